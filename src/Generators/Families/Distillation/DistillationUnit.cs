using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>A validated distillation spec with the summaries of the backbones it names: the input of its output step, equatable for caching.</summary>
    internal sealed record DistillationUnit(ModelHeader Header, BoundObject Fields, BackboneSummary Teacher, BackboneSummary Student);
}
