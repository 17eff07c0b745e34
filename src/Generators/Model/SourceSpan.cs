using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generators.Model
{
    /// <summary>Where a token stands in a spec file: an equatable stand-in for a <see cref="Location"/>.</summary>
    internal sealed record SourceSpan(string Path, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
    {
        public Location ToLocation() => Location.Create(
            Path,
            new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));

        public static SourceSpan WholeFile(string path) => new SourceSpan(path, 0, 0, 0, 0, 0, 0);
    }
}
