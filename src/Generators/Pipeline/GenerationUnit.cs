using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>A validated spec, ready to be emitted: the input of the output step, equatable for caching.</summary>
    internal sealed record GenerationUnit(ModelHeader Header, BoundObject Fields);
}
