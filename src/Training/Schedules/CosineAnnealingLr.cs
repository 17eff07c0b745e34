using static TorchSharp.torch.optim;

namespace ModelGen.Training.Schedules;

/// <summary>
/// mmengine's <c>CosineAnnealingLR</c> in chainable form: at step k,
/// <c>lr = (1 + cos(π k / T)) / (1 + cos(π (k - 1) / T)) · (lr - η) + η</c>, with η the minimum
/// (<c>eta_min</c>, or the base rate times <c>eta_min_ratio</c>). Step 0 keeps the rate. Because it
/// rescales the distance to η, a rate below η (during another scheduler's warm-up) is raised.
/// </summary>
public sealed class CosineAnnealingLr : LrScheduler
{
    private readonly double? _etaMin;
    private readonly double? _etaMinRatio;

    private CosineAnnealingLr(IEnumerable<ILearningRateController> groups, int begin, int end, int? tMax, double? etaMin, double? etaMinRatio)
        : base(groups, begin, end)
    {
        if (etaMin.HasValue == etaMinRatio.HasValue)
            throw new ArgumentException("Give exactly one of etaMin and etaMinRatio.");
        TMax = tMax ?? end - begin;
        if (TMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(tMax), TMax, "T_max must be positive.");
        _etaMin = etaMin;
        _etaMinRatio = etaMinRatio;
        Start();
    }

    /// <summary>The half period, in iterations.</summary>
    public int TMax { get; }

    /// <summary>An iteration-based scheduler with a fixed minimum rate.</summary>
    /// <param name="tMax">The half period; by default <c>end - begin</c>.</param>
    public static CosineAnnealingLr WithEtaMin(IEnumerable<ILearningRateController> groups, double etaMin, int end, int begin = 0, int? tMax = null) =>
        new(groups, begin, end, tMax, etaMin, null);

    /// <summary>An iteration-based scheduler whose minimum is each group's base rate times <paramref name="etaMinRatio"/>.</summary>
    /// <param name="tMax">The half period; by default <c>end - begin</c>.</param>
    public static CosineAnnealingLr WithEtaMinRatio(IEnumerable<ILearningRateController> groups, double etaMinRatio, int end, int begin = 0, int? tMax = null) =>
        new(groups, begin, end, tMax, null, etaMinRatio);

    /// <summary>
    /// An epoch-based configuration (<c>by_epoch=True, convert_to_iter_based=True</c>) converted to iterations as
    /// mmengine's <c>build_iter_from_epoch</c> does: begin, end and T_max are multiplied by the epoch length.
    /// </summary>
    public static CosineAnnealingLr FromEpochs(
        IEnumerable<ILearningRateController> groups, double etaMinRatio, int endEpoch, int epochLength, int beginEpoch = 0, int? tMaxEpochs = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochLength);
        return WithEtaMinRatio(groups, etaMinRatio, checked(endEpoch * epochLength), checked(beginEpoch * epochLength),
            tMaxEpochs is { } t ? checked(t * epochLength) : null);
    }

    protected override double NextValue(double current, double baseValue)
    {
        var etaMin = _etaMin ?? baseValue * _etaMinRatio!.Value;
        if (LastStep == 0)
            return current;
        // One step past the trough the chainable ratio would divide by 1 + cos(π) = 0; mmengine adds the closed-form increment instead.
        if ((LastStep - 1 - TMax) % (2 * TMax) == 0)
            return current + (baseValue - etaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2;
        return (1 + Math.Cos(Math.PI * LastStep / TMax)) / (1 + Math.Cos(Math.PI * (LastStep - 1) / TMax)) * (current - etaMin) + etaMin;
    }
}
