using System.Text;

namespace ModelGen.Generators.Tests.Testing;

/// <summary>One fuzz case: the spec files of one project, and how they were made.</summary>
internal sealed record FuzzInput(int Index, string Origin, IReadOnlyList<(string Path, string Text)> Files)
{
    /// <summary>The files with every non-printable or non-ASCII character escaped, to paste into a reproducer.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder($"input #{Index} ({Origin}):");
        foreach (var (path, text) in Files)
        {
            builder.Append($"\n--- {path} ({text.Length} chars)\n");
            foreach (var c in text.Length > 4000 ? text[..4000] + "…" : text)
                builder.Append(c is '\n' || (c >= ' ' && c <= '~') ? c.ToString() : $"\\u{(int)c:X4}");
        }
        return builder.ToString();
    }
}
