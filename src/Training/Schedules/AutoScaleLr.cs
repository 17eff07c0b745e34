namespace ModelGen.Training.Schedules;

/// <summary>
/// mmengine's <c>auto_scale_lr</c>: the linear scaling rule. Every group's rate is multiplied by
/// <c>(world size · batch size per device) / base batch size</c> before the schedulers are built.
/// </summary>
/// <param name="BaseBatchSize">The total batch size the configured learning rate is meant for (16 in OVSAM's configs).</param>
public sealed record AutoScaleLr(int BaseBatchSize)
{
    public int BaseBatchSize { get; } = BaseBatchSize > 0
        ? BaseBatchSize
        : throw new ArgumentOutOfRangeException(nameof(BaseBatchSize), BaseBatchSize, "The base batch size must be positive.");

    /// <summary>The factor for a run of <paramref name="worldSize"/> processes with <paramref name="batchSizePerDevice"/> images each.</summary>
    public double Factor(int worldSize, int batchSizePerDevice)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSizePerDevice);
        return (double)(worldSize * batchSizePerDevice) / BaseBatchSize;
    }

    /// <summary>The configured rate scaled for the run.</summary>
    public double Scale(double learningRate, int worldSize, int batchSizePerDevice) => learningRate * Factor(worldSize, batchSizePerDevice);
}
