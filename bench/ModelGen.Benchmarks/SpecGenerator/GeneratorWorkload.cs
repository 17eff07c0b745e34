using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators;
using ModelGen.Models.Backbones;
using ModelGen.Training.Compositions;

namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>
/// What a build of a project with many specs hands <see cref="ModelSpecGenerator"/>: the specs of <see cref="SpecCorpus"/>,
/// the package's built-in specs (the repository's specs/) as AdditionalFiles, and a compilation that references
/// ModelGen.Models and ModelGen.Training, so the generated code binds and distillation specs are compiled.
/// </summary>
public sealed class GeneratorWorkload
{
    public const string RootNamespace = "Bench.Models";

    private readonly BuildProperties _properties;

    public GeneratorWorkload(int specCount)
    {
        var builtInDirectory = Path.Combine(RepositoryRoot(), "specs") + "/";
        BuiltIns = Directory.EnumerateFiles(builtInDirectory, "*" + ModelSpecGenerator.SpecSuffix, SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => (AdditionalText)new InMemorySpecText(path, File.ReadAllText(path)))
            .ToImmutableArray();
        Specs = SpecCorpus.Create(specCount).Select(s => (AdditionalText)new InMemorySpecText(s.Path, s.Text)).ToImmutableArray();
        Edited = Specs[SpecCorpus.EditedIndex];
        var editedText = SpecCorpus.Edit(Edited.GetText()!.ToString());
        if (editedText == Edited.GetText()!.ToString())
            throw new InvalidOperationException($"{Edited.Path}: the edit changes nothing.");
        EditedReplacement = new InMemorySpecText(Edited.Path, editedText);
        _properties = new BuildProperties(new Dictionary<string, string>
        {
            ["build_property.RootNamespace"] = RootNamespace,
            ["build_property.ProjectDir"] = SpecCorpus.ProjectDirectory,
            ["build_property.ModelGenBuiltInSpecsDirectory"] = builtInDirectory,
        });
        Compilation = CSharpCompilation.Create(
            "Bench.Models",
            [],
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>The project's spec files.</summary>
    public ImmutableArray<AdditionalText> Specs { get; }

    /// <summary>The package's built-in spec files, which every project that references the package has among its AdditionalFiles.</summary>
    public ImmutableArray<AdditionalText> BuiltIns { get; }

    public AdditionalText Edited { get; }

    public AdditionalText EditedReplacement { get; }

    public CSharpCompilation Compilation { get; }

    public GeneratorDriver CreateDriver(bool trackSteps = false) => CSharpGeneratorDriver.Create(
        [new ModelSpecGenerator().AsSourceGenerator()],
        Specs.AddRange(BuiltIns),
        new CSharpParseOptions(LanguageVersion.Latest),
        _properties,
        new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>A build from scratch: a new driver over every spec.</summary>
    public GeneratorDriver RunCold(bool trackSteps = false) => CreateDriver(trackSteps).RunGenerators(Compilation);

    /// <summary>The build after saving the edited spec, from a driver that has run over the unedited specs.</summary>
    public GeneratorDriver RunEdited(GeneratorDriver warm) => warm.ReplaceAdditionalText(Edited, EditedReplacement).RunGenerators(Compilation);

    private static ImmutableArray<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Append(typeof(IBackbone).Assembly.Location)
            .Append(typeof(DistillationComposition).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException($"No ModelGen.sln above {AppContext.BaseDirectory}: run the benchmark from the repository's build output.");
    }
}
