using static TorchSharp.torch.optim;

namespace ModelGen.Training.Schedules;

/// <summary>
/// Learning-rate schedulers stepped in list order after every training iteration, as mmengine's
/// <c>ParamSchedulerHook.after_train_iter</c> steps a config's <c>param_scheduler</c> list. Each one
/// changes the rates in place, so the list composes (chainable form).
/// </summary>
public sealed class LrSchedule
{
    private readonly LrScheduler[] _schedulers;

    public LrSchedule(params IEnumerable<LrScheduler> schedulers)
    {
        _schedulers = schedulers.ToArray();
        if (_schedulers.Length == 0)
            throw new ArgumentException("A schedule needs at least one scheduler.", nameof(schedulers));
    }

    public IReadOnlyList<LrScheduler> Schedulers => _schedulers;

    /// <summary>The completed iterations.</summary>
    public int Iteration => _schedulers[0].GlobalStep;

    /// <summary>To call once after every iteration's optimizer step.</summary>
    public void Step()
    {
        foreach (var scheduler in _schedulers)
            scheduler.Step();
    }

    /// <summary>Every scheduler's state, in order, for a checkpoint.</summary>
    public IReadOnlyList<LrSchedulerState> GetState() => _schedulers.Select(s => s.GetState()).ToArray();

    /// <summary>Restores every scheduler; nothing changes unless all the states fit.</summary>
    /// <exception cref="ArgumentException">Another number of schedulers, or a state that does not fit its scheduler.</exception>
    public void SetState(IReadOnlyList<LrSchedulerState> states)
    {
        var problems = Mismatches(states);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems), nameof(states));
        for (var i = 0; i < _schedulers.Length; i++)
            _schedulers[i].SetState(states[i]);
    }

    /// <summary>Why <paramref name="states"/> cannot be restored into this schedule; empty when they can.</summary>
    internal IReadOnlyList<string> Mismatches(IReadOnlyList<LrSchedulerState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count != _schedulers.Length)
            return [$"The state has {states.Count} schedulers ({string.Join(", ", states.Select(s => s.Scheduler))}), this schedule {_schedulers.Length} ({string.Join(", ", _schedulers.Select(s => s.GetType().Name))})."];
        return _schedulers.Zip(states, (scheduler, state) => scheduler.Mismatch(state)).OfType<string>().ToList();
    }

    /// <summary>
    /// The schedule of OVSAM's and RWKV-SAM's distillation configs: <c>LinearLR(start_factor, by_epoch=False,
    /// begin=0, end=warmupIterations)</c> then <c>CosineAnnealingLR(by_epoch=True, begin=0, end=maxEpochs,
    /// eta_min_ratio, convert_to_iter_based=True)</c>, i.e. a cosine over <c>maxEpochs · epochLength</c> iterations.
    /// </summary>
    /// <param name="groups">The optimizer's parameter groups, at their base rates.</param>
    public static LrSchedule LinearWarmupCosine(
        IEnumerable<ILearningRateController> groups, double startFactor, int warmupIterations, int maxEpochs, int epochLength, double etaMinRatio)
    {
        var list = groups.ToArray();
        var warmup = new LinearLr(list, startFactor, end: warmupIterations);
        var cosine = CosineAnnealingLr.FromEpochs(list, etaMinRatio, endEpoch: maxEpochs, epochLength: epochLength);
        return new LrSchedule(warmup, cosine);
    }
}
