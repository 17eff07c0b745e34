using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Pipeline;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

public sealed class IncrementalCachingTests
{
    private const string First = """
        {
          "name": "FirstVariant",
          "family": "sam-vit",
          "imageSize": 256, "embedDim": 64, "depth": 4, "numHeads": 4,
          "globalAttnIndexes": [1, 3]
        }
        """;

    private const string Second = """
        {
          "name": "SecondVariant",
          "family": "sam-vit",
          "imageSize": 128, "embedDim": 48, "depth": 2, "numHeads": 3, "windowSize": 4,
          "globalAttnIndexes": [1]
        }
        """;

    [Fact]
    public void Editing_one_of_twenty_specs_reparses_and_reemits_only_that_spec()
    {
        var specs = Enumerable.Range(0, 20)
            .Select(i => Spec($"variant{i:D2}.model.json", (i % 2 == 0 ? First : Second).Replace(i % 2 == 0 ? "FirstVariant" : "SecondVariant", $"Variant{i:D2}")))
            .ToList();
        var compilation = GeneratorHarness.CreateCompilation();
        var driver = GeneratorHarness.CreateDriver(specs, trackSteps: true).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics);

        var original = specs[7];
        var edited = Spec("variant07.model.json", original.GetText()!.ToString().Replace("\"depth\": 2", "\"depth\": 3").Replace("[1]", "[2]"));
        driver = driver.ReplaceAdditionalText(original, edited).RunGenerators(compilation);
        var run = driver.GetRunResult().Results.Single();

        Assert.Equal(19, Reasons(run, TrackingNames.ParsedSpecs).Count(r => r == IncrementalStepRunReason.Cached));
        Assert.Equal([edited.Path], ResolvedPaths(run, IncrementalStepRunReason.Modified));
        Assert.Equal(19, ResolvedPaths(run, IncrementalStepRunReason.Unchanged).Length);
        var outputs = run.TrackedOutputSteps.SelectMany(s => s.Value).ToList();
        Assert.Equal(20, outputs.Count);
        var reemitted = outputs.Where(o => o.Outputs.Any(v => v.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified)).ToList();
        Assert.Equal([edited.Path], reemitted.Select(o => ((SpecOutcome)o.Inputs.Single().Source.Outputs[o.Inputs.Single().OutputIndex].Value).Path));
        Assert.All(outputs.Except(reemitted).SelectMany(o => o.Outputs), v => Assert.Equal(IncrementalStepRunReason.Cached, v.Reason));
        Assert.Equal(20, run.GeneratedSources.Length);
        Assert.Contains("Depth { get; init; } = 3;", run.GeneratedSources.Single(s => s.HintName.EndsWith(".Variant07.g.cs", StringComparison.Ordinal)).SourceText.ToString());
    }

    private const string Composition = """
        {
          "name": "FirstIntoSecond",
          "family": "distillation",
          "teacher": { "backbone": "FirstVariant" },
          "student": { "backbone": "SecondVariant" },
          "studentNeck": { "kind": "LastLayerProjNeck", "inChannels": 256, "outChannels": 256 },
          "input": { "size": [256, 256] }
        }
        """;

    [Fact]
    public void Editing_a_backbone_without_changing_its_summary_leaves_the_composition_cached()
    {
        var first = Spec("first.model.json", First);
        var second = Spec("second.model.json", Second);
        var composition = Spec("composition.model.json", Composition);
        var compilation = GeneratorHarness.CreateCompilation();
        var driver = GeneratorHarness.CreateDriver([first, second, composition], trackSteps: true).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));

        // A description is no part of a backbone's summary: the backbone is re-emitted, the composition is not.
        var described = Spec("first.model.json", First.Replace("\"family\": \"sam-vit\",", "\"family\": \"sam-vit\", \"description\": \"Edited.\","));
        driver = driver.ReplaceAdditionalText(first, described).RunGenerators(compilation);
        var run = driver.GetRunResult().Results.Single();

        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(run, TrackingNames.ResolvedBackbones));
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(run, TrackingNames.BackboneSummaries));
        Assert.Equal([IncrementalStepRunReason.Unchanged], Reasons(run, TrackingNames.ResolvedDistillations));

        // Another token width changes the teacher's summary (its stage outputs), so the composition is resolved and emitted again.
        var wider = Spec("first.model.json", First.Replace("\"embedDim\": 64", "\"embedDim\": 128"));
        driver = driver.ReplaceAdditionalText(described, wider).RunGenerators(compilation);
        run = driver.GetRunResult().Results.Single();
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(run, TrackingNames.BackboneSummaries));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(run, TrackingNames.ResolvedDistillations));
    }

    [Fact]
    public void Editing_a_projects_spec_does_not_summarise_the_built_ins_again()
    {
        var builtIns = Directory.EnumerateFiles(RepositoryPaths.Specs, "*.model.json", SearchOption.AllDirectories)
            .Select(path => (AdditionalText)new InMemoryAdditionalText(path, File.ReadAllText(path)))
            .ToList();
        var composition = Spec("composition.model.json", Composition.Replace("\"FirstVariant\"", "\"SamVitB\"").Replace("[256, 256]", "[1024, 1024]"));
        var second = Spec("second.model.json", Second);
        var compilation = GeneratorHarness.CreateCompilation();
        var driver = GeneratorHarness.CreateDriver([second, composition, .. builtIns], trackSteps: true, builtInSpecDirectory: RepositoryPaths.Specs).RunGenerators(compilation);
        Assert.Empty(driver.GetRunResult().Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Single(driver.GetRunResult().GeneratedTrees, t => t.FilePath.EndsWith("FirstIntoSecond.g.cs", StringComparison.Ordinal));

        var edited = Spec("second.model.json", Second.Replace("\"depth\": 2", "\"depth\": 3").Replace("[1]", "[2]"));
        driver = driver.ReplaceAdditionalText(second, edited).RunGenerators(compilation);
        var run = driver.GetRunResult().Results.Single();

        Assert.All(Reasons(run, TrackingNames.BuiltInSummaries), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Equal([IncrementalStepRunReason.Modified], Reasons(run, TrackingNames.ResolvedBackbones));
    }

    [Fact]
    public void Editing_csharp_code_reemits_nothing()
    {
        var compilation = GeneratorHarness.CreateCompilation("class A { }");
        var driver = GeneratorHarness.CreateDriver([Spec("first.model.json", First), Spec("second.model.json", Second)], trackSteps: true)
            .RunGenerators(compilation);

        var changed = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class B { }"));
        var run = driver.RunGenerators(changed).GetRunResult().Results.Single();

        Assert.All(Reasons(run, TrackingNames.ParsedSpecs), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(run, TrackingNames.ResolvedSpecs), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Pipeline_values_hold_no_compilation_symbols_or_additional_texts()
    {
        var driver = GeneratorHarness.CreateDriver([Spec("first.model.json", First)], trackSteps: true).RunGenerators(GeneratorHarness.CreateCompilation());
        var run = driver.GetRunResult().Results.Single();

        foreach (var step in run.TrackedSteps.Where(s => s.Key is TrackingNames.ParsedSpecs or TrackingNames.ResolvedSpecs or TrackingNames.BackboneSummaries or TrackingNames.ResolvedDistillations).SelectMany(s => s.Value))
            foreach (var (value, _) in step.Outputs)
                Assert.False(value is Compilation or ISymbol or AdditionalText, $"{step.Name} carries a {value.GetType().Name}");
    }

    private static AdditionalText Spec(string name, string text) => new InMemoryAdditionalText(GeneratorHarness.ProjectDirectory + name, text);

    /// <summary>The specs whose resolved outcome had the given reason in the last run.</summary>
    private static string[] ResolvedPaths(GeneratorRunResult run, IncrementalStepRunReason reason) =>
        run.TrackedSteps[TrackingNames.ResolvedSpecs].SelectMany(s => s.Outputs).Where(o => o.Reason == reason).Select(o => ((SpecOutcome)o.Value).Path).ToArray();

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult run, string step) =>
        run.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
}
