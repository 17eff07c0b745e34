namespace ModelGen.Training.Schedules;

/// <summary>
/// What a scheduler needs to continue, as mmengine's <c>_ParamScheduler.state_dict()</c> records it: its type, its
/// steps and the base rate of each group. The groups' current rates are the optimizer's, saved with it.
/// </summary>
/// <param name="Scheduler">The scheduler's class, e.g. <c>LinearLr</c>.</param>
/// <param name="GlobalStep"><see cref="LrScheduler.GlobalStep"/>.</param>
/// <param name="LastStep"><see cref="LrScheduler.LastStep"/>.</param>
/// <param name="BaseValues">Each group's base rate (mmengine's <c>base_values</c>).</param>
public sealed record LrSchedulerState(string Scheduler, int GlobalStep, int LastStep, IReadOnlyList<double> BaseValues);
