namespace ModelGen.Benchmarks;

/// <summary>One measured configuration of a training-step benchmark.</summary>
/// <param name="GradientsPeakMiB">The largest peak resident set of a measured step's forward and backward above the set at the step's start; null when not measured.</param>
/// <param name="StepPeakMiB">Likewise over the whole step, the optimizer's update included.</param>
/// <param name="ResidentMiB">The resident set before the measured steps (weights, optimizer state, LibTorch).</param>
internal sealed record StepResult(string Command, string Variant, int Side, int Batch, bool Checkpointing,
    IReadOnlyList<double> Seconds, double? GradientsPeakMiB, double? StepPeakMiB, double ResidentMiB, string Load)
{
    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public double Fastest => Seconds.Min();
}
