using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Distillation specs: the Training project's built-in compositions, run through the generator as src/Training
/// builds them (the repository's backbone specs as built-ins), and a user's own composition of its own backbones.
/// </summary>
public sealed class DistillationSpecTests
{
    private static readonly string TrainingProjectDirectory = Path.Combine(RepositoryPaths.Root, "src", "Training") + "/";

    private const string TinyTeacher = """
        {
          "name": "TinyTeacher",
          "family": "sam-vit",
          "imageSize": 64, "embedDim": 32, "depth": 2, "numHeads": 2, "windowSize": 4, "outChans": 32,
          "globalAttnIndexes": [1]
        }
        """;

    private const string TinyStudent = """
        {
          "name": "TinyStudent",
          "family": "vitamin",
          "modelVariant": "tiny",
          "imageSize": [64, 64],
          "attnType": "rwkv",
          "attnCfg": { "depth": 2 },
          "pretrained": {
            "demo": { "file": "tiny.safetensors", "url": "https://example.org/tiny.safetensors", "license": "MIT" }
          }
        }
        """;

    private const string TinyComposition = """
        {
          "name": "TinyDistillation",
          "family": "distillation",
          "description": "A tiny SAM distilled into a tiny ViTamin.",
          "teacher": { "backbone": "TinyTeacher" },
          "student": { "backbone": "tiny_student.model.json", "pretrained": "demo", "checkpointPrefix": "backbone." },
          "studentNeck": { "kind": "LastLayerProjNeck", "inChannels": 192, "outChannels": 32 },
          "input": { "size": [64, 64] },
          "recipe": { "maxGradNorm": null, "baseBatchSize": null, "epochs": 2 }
        }
        """;

    public static TheoryData<string> BuiltInCompositions()
    {
        var data = new TheoryData<string>();
        foreach (var tree in RunBuiltIns().Result.GeneratedTrees)
            data.Add(Path.GetFileName(tree.FilePath));
        return data;
    }

    [Fact]
    public void The_built_in_compositions_produce_no_diagnostics_compile_and_generate_no_backbone()
    {
        var (result, output) = RunBuiltIns();

        Assert.Empty(GeneratorHarness.Format(result.Diagnostics));
        Assert.Empty(GeneratorHarness.CompilationErrors(output));
        Assert.Equal(
            ["ModelGen.Training.Compositions.RwkvSamVitHVitaminSmallMlp2.g.cs", "ModelGen.Training.Compositions.Sam2ClipVitHRN50x16.g.cs"],
            result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(BuiltInCompositions))]
    public void A_built_in_composition_matches_its_snapshot(string hintName)
    {
        var tree = RunBuiltIns().Result.GeneratedTrees.Single(t => Path.GetFileName(t.FilePath) == hintName);
        Snapshot.Match(tree.GetText().ToString(), Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(hintName)), "cs");
    }

    [Fact]
    public void A_users_composition_of_its_own_backbones_compiles_and_matches_its_snapshot()
    {
        const string consumer = """
            namespace Test.Models.Usage;
            public static class Consumer
            {
                public static ModelGen.Training.Compositions.DistillationComposition Build() => new Test.Models.TinyDistillation(withTeacher: false);
                public static Test.Models.TinyStudent Student(Test.Models.TinyDistillation composition) => composition.Student;
                public static string? Prefix => Test.Models.TinyDistillation.Declaration.Student.CheckpointPrefix;
            }
            """;
        var (result, output) = GeneratorHarness.Run(
            ("tiny_teacher.model.json", TinyTeacher),
            ("tiny_student.model.json", TinyStudent),
            ("tiny_distillation.model.json", TinyComposition));
        var withConsumer = output.AddSyntaxTrees(CSharpSyntaxTree.ParseText(consumer, new CSharpParseOptions(LanguageVersion.Latest)));

        Assert.Empty(GeneratorHarness.Format(result.Diagnostics));
        Assert.Empty(GeneratorHarness.CompilationErrors(withConsumer));
        var tree = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("TinyDistillation.g.cs", StringComparison.Ordinal));
        Snapshot.Match(tree.GetText().ToString(), "Test.Models.TinyDistillation", "cs");
    }

    [Fact]
    public void A_composition_in_a_project_without_ModelGen_Training_is_one_error_on_its_family()
    {
        var specs = new[] { ("tiny_teacher.model.json", TinyTeacher), ("tiny_student.model.json", TinyStudent), ("tiny_distillation.model.json", TinyComposition) }
            .Select(s => (AdditionalText)new InMemoryAdditionalText(GeneratorHarness.ProjectDirectory + s.Item1, s.Item2));
        var driver = GeneratorHarness.CreateDriver(specs).RunGeneratorsAndUpdateCompilation(GeneratorHarness.CreateCompilation(withTraining: false), out var output, out _);
        var result = driver.GetRunResult();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MG0024", diagnostic.Id);
        Assert.Equal(2, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(2, result.GeneratedTrees.Length);
        Assert.Empty(GeneratorHarness.CompilationErrors(output));
    }

    [Fact]
    public void A_composition_extends_an_abstract_composition_and_is_checked_with_its_inherited_fields()
    {
        const string abstractBase = """
            {
              "abstract": true,
              "family": "distillation",
              "teacher": { "backbone": "TinyTeacher" },
              "studentNeck": { "kind": "LastLayerProjNeck", "inChannels": 192, "outChannels": 32 },
              "input": { "size": [64, 64] }
            }
            """;
        const string child = """
            {
              "extends": "base.model.json",
              "name": "TinyChild",
              "student": { "backbone": "TinyStudent" }
            }
            """;
        var (result, output) = GeneratorHarness.Run(
            ("tiny_teacher.model.json", TinyTeacher),
            ("tiny_student.model.json", TinyStudent),
            ("base.model.json", abstractBase),
            ("child.model.json", child),
            ("wrong.model.json", child.Replace("TinyChild", "WrongChild").Replace("\"TinyStudent\" }", "\"TinyStudent\" }, \"studentNeck\": { \"kind\": \"LastLayerNeck\" }")));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MG0022", diagnostic.Id);
        Assert.EndsWith("wrong.model.json", diagnostic.Location.GetLineSpan().Path);
        Assert.Empty(GeneratorHarness.CompilationErrors(output));
        Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith("Test.Models.TinyChild.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_backbone_part_that_names_a_composition_is_reported()
    {
        var (result, _) = GeneratorHarness.Run(
            ("tiny_teacher.model.json", TinyTeacher),
            ("tiny_student.model.json", TinyStudent),
            ("tiny_distillation.model.json", TinyComposition),
            ("nested.model.json", TinyComposition.Replace("TinyDistillation", "Nested").Replace("\"TinyTeacher\"", "\"TinyDistillation\"")));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MG0020", diagnostic.Id);
        Assert.Contains("a distillation spec, not a backbone", diagnostic.GetMessage());
    }

    private static (GeneratorDriverRunResult Result, Compilation Output) RunBuiltIns() => GeneratorHarness.RunWithBuiltIns(
        Directory.EnumerateFiles(Path.Combine(TrainingProjectDirectory, "Specs"), "*.model.json")
            .Order(StringComparer.Ordinal)
            .Select(path => (AdditionalText)new InMemoryAdditionalText(path, File.ReadAllText(path))),
        TrainingProjectDirectory);
}
