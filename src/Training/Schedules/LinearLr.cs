using static TorchSharp.torch.optim;

namespace ModelGen.Training.Schedules;

/// <summary>
/// mmengine's <c>LinearLR</c>: the rate is multiplied by <see cref="StartFactor"/> at the first step and
/// then grows (or shrinks) linearly to <see cref="EndFactor"/> times the base rate at step <c>End - 1</c>,
/// by the chainable factor <c>1 + (e - s) / (N·s + (k - 1)·(e - s))</c> at step k, N = End - Begin - 1.
/// </summary>
public sealed class LinearLr : LrScheduler
{
    private readonly int _totalIters;

    /// <param name="groups">The optimizer's parameter groups.</param>
    /// <param name="startFactor">Factor of the base rate at the first step, in [0, 1].</param>
    /// <param name="endFactor">Factor of the base rate at the last step, in [0, 1].</param>
    /// <param name="begin">First iteration.</param>
    /// <param name="end">Iteration at which the warm-up is over (exclusive).</param>
    public LinearLr(IEnumerable<ILearningRateController> groups, double startFactor, int end, double endFactor = 1.0, int begin = 0)
        : base(groups, begin, end)
    {
        if (startFactor is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "The start factor must be in [0, 1].");
        if (endFactor is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "The end factor must be in [0, 1].");
        StartFactor = startFactor;
        EndFactor = endFactor;
        _totalIters = end - begin - 1;
        Start();
    }

    public double StartFactor { get; }

    public double EndFactor { get; }

    protected override double NextValue(double current, double baseValue)
    {
        if (LastStep == 0)
            return current * StartFactor;
        var change = EndFactor - StartFactor;
        return current * (1.0 + change / (_totalIters * StartFactor + (LastStep - 1) * change));
    }
}
