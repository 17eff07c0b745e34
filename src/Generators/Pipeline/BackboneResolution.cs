using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>
    /// The first resolver stage's result: one outcome per backbone spec of the project, and the summaries of every
    /// valid backbone the project can compose (its own and the built-ins), which the distillation stage reads.
    /// </summary>
    internal sealed record BackboneResolution(EquatableArray<SpecOutcome> Outcomes, EquatableArray<BackboneSummary> Summaries);
}
