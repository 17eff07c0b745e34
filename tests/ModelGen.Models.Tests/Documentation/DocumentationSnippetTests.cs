using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Documentation;

/// <summary>
/// Every fenced <c>csharp</c> block of the README and docs/ compiles against the library as it is, so the
/// documented API cannot drift from the real one. A block is the body of a method that has the values the
/// snippets talk about: <c>images</c> (a Tensor), <c>backbone</c> (an IBackbone) and <c>neck</c> (a
/// NeckModule); its <c>using</c> directives go to the top of the file. The quick start's blocks (marked
/// <c>&lt;!-- quickstart:... --&gt;</c>) use a class generated in the user's project: CI builds and runs them
/// in a consumer project (.ci/run).
/// </summary>
public sealed partial class DocumentationSnippetTests
{
    private const string Parameters = "global::TorchSharp.torch.Tensor images, global::ModelGen.Models.Backbones.IBackbone backbone, global::ModelGen.Models.Necks.NeckModule neck";

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, line, _) in AllSnippets())
            data.Add(file, line);
        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_snippet_compiles_against_the_library(string file, int line)
    {
        var code = AllSnippets().Single(s => s.File == file && s.Line == line).Code;
        var lines = code.Split('\n');
        var usings = lines.Where(IsUsingDirective).ToList();
        var body = lines.Where(l => !IsUsingDirective(l));
        var source = new StringBuilder()
            .AppendLine("using System; using System.Collections.Generic; using System.IO; using System.Linq;")
            .AppendJoin('\n', usings).AppendLine()
            .AppendLine("internal static class Snippet")
            .AppendLine("{")
            .AppendLine($"    internal static void Run({Parameters})")
            .AppendLine("    {")
            .AppendJoin('\n', body).AppendLine()
            .AppendLine("    }")
            .AppendLine("}")
            .ToString();

        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var problems = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.Id is "CS0618"))
            .Select(d => d.ToString())
            .ToList();
        Assert.True(problems.Count == 0, $"{file}:{line} does not compile:\n{string.Join("\n", problems)}\n\n{source}");
    }

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat([typeof(global::ModelGen.Models.Backbones.BackboneModule).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location])
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList());

    private static bool IsUsingDirective(string line) => UsingDirective().IsMatch(line);

    private static IEnumerable<(string File, int Line, string Code)> AllSnippets()
    {
        var files = new[] { Path.Combine(RepositoryPaths.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        foreach (var path in files)
        {
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp" || (i > 0 && lines[i - 1].StartsWith("<!-- quickstart:", StringComparison.Ordinal)))
                    continue;
                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                yield return (Path.GetRelativePath(RepositoryPaths.Root, path), i + 1, string.Join('\n', lines[(i + 1)..end]));
                i = end;
            }
        }
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[A-Za-z_][\w.]*\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();
}
