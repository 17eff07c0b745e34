using ModelGen.Generators.Model;

namespace ModelGen.Generators.Json
{
    /// <summary>The first syntax error of a JSON text and where it is.</summary>
    internal sealed record JsonSyntaxError(string Message, SourceSpan Span);
}
