using static TorchSharp.torch.optim;

namespace ModelGen.Training.Schedules;

/// <summary>
/// An mmengine learning-rate scheduler in its chainable form: every <see cref="Step"/> rewrites the
/// current learning rate of each parameter group from that rate itself (and the group's base rate), so
/// several schedulers stepped in turn compose. Constructing a scheduler performs its first step, as
/// mmengine's <c>_ParamScheduler.__init__</c> does.
/// </summary>
/// <remarks>
/// Steps are counted in iterations. A scheduler acts only while its global step is in
/// [<see cref="Begin"/>, <see cref="End"/>); <see cref="LastStep"/> counts the steps it acted on, from 0.
/// The base rate of a group is its <see cref="ILearningRateController.InitialLearningRate"/> when the
/// scheduler is built (mmengine's <c>initial_lr</c>): scale the rate (e.g. <see cref="AutoScaleLr"/>)
/// before building the optimizer, not afterwards.
/// </remarks>
public abstract class LrScheduler
{
    private readonly ILearningRateController[] _groups;
    private readonly double[] _baseValues;

    protected LrScheduler(IEnumerable<ILearningRateController> groups, int begin, int end)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentOutOfRangeException.ThrowIfNegative(begin);
        if (end <= begin)
            throw new ArgumentException($"end must be larger than begin; got begin {begin}, end {end}.", nameof(end));
        _groups = groups.ToArray();
        _baseValues = _groups.Select(g => g.InitialLearningRate).ToArray();
        Begin = begin;
        End = end;
    }

    /// <summary>The first global step (iteration) the scheduler acts on.</summary>
    public int Begin { get; }

    /// <summary>The global step (iteration) from which on the scheduler no longer acts.</summary>
    public int End { get; }

    /// <summary>How many steps have been taken, counting the one of construction from 0 (mmengine's <c>_global_step</c>).</summary>
    public int GlobalStep { get; private set; } = -1;

    /// <summary>The index of the last step the scheduler acted on (mmengine's <c>last_step</c>); -1 before the first.</summary>
    public int LastStep { get; private set; } = -1;

    /// <summary>Advances by one iteration and, inside [Begin, End), updates every group's learning rate.</summary>
    public void Step()
    {
        GlobalStep++;
        if (GlobalStep < Begin || GlobalStep >= End)
            return;
        LastStep++;
        for (var i = 0; i < _groups.Length; i++)
            _groups[i].LearningRate = NextValue(_groups[i].LearningRate, _baseValues[i]);
    }

    /// <summary>The scheduler's steps and base rates, for a checkpoint.</summary>
    public LrSchedulerState GetState() => new(GetType().Name, GlobalStep, LastStep, _baseValues.ToArray());

    /// <summary>Continues from <paramref name="state"/> (mmengine's <c>load_state_dict</c>); the groups' rates are restored with the optimizer.</summary>
    /// <exception cref="ArgumentException">The state is of another scheduler type or another number of groups.</exception>
    public void SetState(LrSchedulerState state)
    {
        if (Mismatch(state) is { } problem)
            throw new ArgumentException(problem, nameof(state));
        GlobalStep = state.GlobalStep;
        LastStep = state.LastStep;
        state.BaseValues.ToArray().CopyTo(_baseValues, 0);
    }

    /// <summary>Why <paramref name="state"/> cannot be restored into this scheduler, or null when it can.</summary>
    internal string? Mismatch(LrSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Scheduler != GetType().Name)
            return $"The state is of a {state.Scheduler}, not a {GetType().Name}.";
        if (state.BaseValues.Count != _baseValues.Length)
            return $"The state of the {state.Scheduler} has {state.BaseValues.Count} parameter groups, this one {_baseValues.Length}.";
        if (state.GlobalStep < -1 || state.LastStep < -1 || state.LastStep > state.GlobalStep)
            return $"The state of the {state.Scheduler} has inconsistent steps (global {state.GlobalStep}, last {state.LastStep}).";
        return null;
    }

    /// <summary>The group's rate after step <see cref="LastStep"/>, from its current rate and base rate.</summary>
    protected abstract double NextValue(double current, double baseValue);

    /// <summary>For subclasses' constructors: performs the construction step once their fields are set.</summary>
    protected void Start() => Step();
}
