using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

/// <summary>The repository's own specs, run through the generator exactly as src/Models builds them.</summary>
public sealed class BuiltInSpecTests
{
    private static readonly string ModelsProjectDirectory = Path.Combine(RepositoryPaths.Root, "src", "Models") + "/";

    public static TheoryData<string> GeneratedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var tree in Run().Result.GeneratedTrees)
            data.Add(Path.GetFileName(tree.FilePath));
        return data;
    }

    [Fact]
    public void Built_in_specs_produce_no_diagnostics_and_compile()
    {
        var (result, output) = Run();
        Assert.Empty(GeneratorHarness.Format(result.Diagnostics));
        Assert.Empty(GeneratorHarness.CompilationErrors(output));
        Assert.NotEmpty(result.GeneratedTrees);
    }

    [Theory]
    [MemberData(nameof(GeneratedFiles))]
    public void Generated_source_matches_its_snapshot(string hintName)
    {
        var tree = Run().Result.GeneratedTrees.Single(t => Path.GetFileName(t.FilePath) == hintName);
        Snapshot.Match(tree.GetText().ToString(), Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(hintName)), "cs");
    }

    private static (GeneratorDriverRunResult Result, Compilation Output) Run() => GeneratorHarness.Run(
        Directory.EnumerateFiles(RepositoryPaths.Specs, "*.model.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => (AdditionalText)new InMemoryAdditionalText(path, File.ReadAllText(path))),
        ModelsProjectDirectory);
}
