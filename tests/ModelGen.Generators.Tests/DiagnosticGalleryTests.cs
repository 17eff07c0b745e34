using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Every folder of Gallery/ is a project with one or more bad specs; its diagnostics, as
/// <c>dotnet build</c> prints them, are snapshotted. Each project sees the package's built-in specs, as
/// a consumer of the ModelGen package does; a diagnostic is always located in one of the project's files.
/// </summary>
public sealed class DiagnosticGalleryTests
{
    private static readonly string Gallery = Path.Combine(RepositoryPaths.Root, "tests", "ModelGen.Generators.Tests", "Gallery");

    /// <summary>A case folder with this file is a project that does not reference ModelGen.Training.</summary>
    private const string WithoutTrainingMarker = "without-training-reference.txt";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.EnumerateDirectories(Gallery).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(directory));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostics_match_their_snapshot(string @case)
    {
        var directory = Path.Combine(Gallery, @case) + "/";
        var specs = Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal)
            .Select(path => (AdditionalText)new InMemoryAdditionalText(path, File.ReadAllText(path)))
            .ToList();

        var (result, output) = GeneratorHarness.RunWithBuiltIns(specs, directory, withTraining: !File.Exists(Path.Combine(directory, WithoutTrainingMarker)));

        Assert.NotEmpty(result.Diagnostics);
        Assert.All(result.Diagnostics, d =>
        {
            Assert.StartsWith("MG", d.Id);
            Assert.StartsWith(directory, d.Location.GetLineSpan().Path);
        });
        Assert.Empty(GeneratorHarness.CompilationErrors(output));
        Snapshot.Match(GeneratorHarness.Format(result.Diagnostics).Replace(directory, ""), "Gallery." + @case, "txt");
    }
}
