using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>An AdditionalFile held in memory; its text is built once, as a build's would be read once.</summary>
public sealed class InMemorySpecText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
