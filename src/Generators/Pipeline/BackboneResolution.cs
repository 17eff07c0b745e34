using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>
    /// The first resolver stage's result: one outcome per backbone spec of the project, and the summaries of its valid
    /// backbones, which the distillation stage reads (with the built-ins', <see cref="SpecResolver.SummarizeBuiltIns"/>).
    /// </summary>
    internal sealed record BackboneResolution(EquatableArray<SpecOutcome> Outcomes, EquatableArray<BackboneSummary> Summaries);
}
