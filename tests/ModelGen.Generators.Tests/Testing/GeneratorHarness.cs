using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Models.Backbones;

namespace ModelGen.Generators.Tests.Testing;

/// <summary>Runs <see cref="ModelSpecGenerator"/> through <see cref="CSharpGeneratorDriver"/> on in-memory specs.</summary>
internal static class GeneratorHarness
{
    public const string ProjectDirectory = "/project/";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Append(typeof(IBackbone).Assembly.Location)
            .Append(typeof(ModelGen.Training.Compositions.DistillationComposition).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    /// <summary>The references of a project that does not reference ModelGen.Training.</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> ReferencesWithoutTraining = new(() =>
        References.Value.Where(r => Path.GetFileName(r.Display) != "ModelGen.Training.dll").ToImmutableArray());

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> specs, string projectDirectory = ProjectDirectory, string rootNamespace = "Test.Models", bool trackSteps = false, string builtInSpecDirectory = "") =>
        CSharpGeneratorDriver.Create(
            [new ModelSpecGenerator().AsSourceGenerator()],
            specs,
            new CSharpParseOptions(LanguageVersion.Latest),
            new TestAnalyzerConfigOptionsProvider(new Dictionary<string, string>
            {
                ["build_property.RootNamespace"] = rootNamespace,
                ["build_property.ProjectDir"] = projectDirectory,
                ["build_property.ModelGenBuiltInSpecsDirectory"] = builtInSpecDirectory,
            }),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(withTraining: true, sources);

    public static CSharpCompilation CreateCompilation(bool withTraining, params string[] sources) => CSharpCompilation.Create(
        "GeneratorTestAssembly",
        sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
        withTraining ? References.Value : ReferencesWithoutTraining.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Runs the generator once; returns its result and the compilation with the generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params (string Path, string Text)[] specs) =>
        Run(specs.Select(s => (AdditionalText)new InMemoryAdditionalText(ProjectDirectory + s.Path, s.Text)), ProjectDirectory);

    public static (GeneratorDriverRunResult Result, Compilation Output) Run(IEnumerable<AdditionalText> specs, string projectDirectory)
    {
        var driver = CreateDriver(specs, projectDirectory).RunGeneratorsAndUpdateCompilation(CreateCompilation(), out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>Runs the generator as in a project that references the ModelGen package: the repository's specs/ are its built-in specs.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) RunWithBuiltIns(IEnumerable<AdditionalText> specs, string projectDirectory, bool withTraining = true)
    {
        var builtIns = Directory.EnumerateFiles(RepositoryPaths.Specs, "*.model.json", SearchOption.AllDirectories)
            .Select(path => (AdditionalText)new InMemoryAdditionalText(path, File.ReadAllText(path)));
        var driver = CreateDriver(specs.Concat(builtIns), projectDirectory, builtInSpecDirectory: RepositoryPaths.Specs)
            .RunGeneratorsAndUpdateCompilation(CreateCompilation(withTraining), out var output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The compiler errors of a compilation that includes generated code.</summary>
    public static IReadOnlyList<Diagnostic> CompilationErrors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

    /// <summary>Diagnostics as a build prints them, with paths relative to the project.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) => string.Join("\n", diagnostics
        .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
        .ThenBy(d => d.Location.SourceSpan.Start)
        .ThenBy(d => d.Id, StringComparer.Ordinal)
        .Select(d =>
        {
            var span = d.Location.GetLineSpan();
            var path = span.Path.StartsWith(ProjectDirectory, StringComparison.Ordinal) ? span.Path[ProjectDirectory.Length..] : span.Path;
            var start = span.StartLinePosition;
            return $"{path}({start.Line + 1},{start.Character + 1}): {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage()}";
        }));
}
