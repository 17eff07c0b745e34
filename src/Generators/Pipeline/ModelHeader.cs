using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>The family-independent part of a spec: what the generated types are called and where they come from.</summary>
    internal sealed record ModelHeader(string Name, string Namespace, string Family, string Description, string SpecPath, SourceSpan NameSpan);
}
