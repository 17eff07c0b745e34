using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>
    /// What the distillation stage sees of the backbones: the summaries of the project's valid backbone specs and of
    /// the package's built-ins, and why the built-ins could not be summarised when that failed (an internal error,
    /// reported on every composition rather than as names that seem not to exist).
    /// </summary>
    internal sealed record ComposableBackbones(EquatableArray<BackboneSummary> Summaries, string? BuiltInFailure);
}
