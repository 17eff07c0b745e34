using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Json;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>One parsed spec file: its located JSON tree, or the syntax error that stopped the parse.</summary>
    internal sealed record SpecDocument(string Path, JsonNode? Root, DiagnosticInfo? SyntaxError);
}
