using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

/// <summary><see cref="CapturedNames.FirstIdentifier"/> skips the tokenizer when no token can match; it must answer as the tokenizer does.</summary>
public sealed class CapturedNamesTests
{
    public static TheoryData<string> Codes => new()
    {
        "class A { int Bar; }",
        "class A { int @Bar; }",
        "class A { int \\u0042ar; }",
        "class A { int \\U00000042ar; }",
        "class A { int B\u200Bar; }",
        "class A { int B\u00ADar; }",
        "class A { string s = \"Bar\"; }",
        "class A { string s = \"\\u0042ar\"; }",
        "// Bar\nclass A { }",
        "/// <see cref=\"Bar\"/>\nclass A { }",
        "class A { int BarConfig; }",
        "class A { int Baz; }",
        "class A { string s = \"\U0001F600\"; }",
        "namespace N.Bar { }",
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Finds_what_a_full_tokenization_finds(string code)
    {
        string[] names = ["Bar", "BarConfig"];
        Assert.Equal(Tokenized(code, names), CapturedNames.FirstIdentifier(code, names));
    }

    [Fact]
    public void Finds_what_a_full_tokenization_finds_in_every_snapshot()
    {
        var snapshots = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "tests", "ModelGen.Generators.Tests", "Snapshots"), "*.verified.cs");
        foreach (var code in snapshots.Select(File.ReadAllText))
            foreach (var names in new[] { new[] { "Stem", "StemConfig" }, ["Tensor", "TensorConfig"], ["SamVitB", "SamVitBConfig"], ["Unused", "UnusedConfig"] })
                Assert.Equal(Tokenized(code, names), CapturedNames.FirstIdentifier(code, names));
    }

    private static string? Tokenized(string code, string[] names) => SyntaxFactory.ParseTokens(code)
        .Where(t => t.IsKind(SyntaxKind.IdentifierToken) && names.Contains(t.ValueText))
        .Select(t => t.ValueText)
        .FirstOrDefault();
}
