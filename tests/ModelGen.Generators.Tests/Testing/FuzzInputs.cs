using System.Text.RegularExpressions;

namespace ModelGen.Generators.Tests.Testing;

/// <summary>
/// The fuzz cases for a seed: mutations of the built-in, distillation-fixture and gallery specs (each with
/// the files it needs), every truncation of one spec, odd whole files, and small projects whose specs extend
/// or compose each other, themselves or nothing that exists. Case i depends only on the seed and i.
/// </summary>
internal static partial class FuzzInputs
{
    public const string Root = "/fuzz/";

    private static readonly string[] WholeFiles = ["", " ", "\n", "\r\n\t ", "\uFEFF", "\uFEFF\uFEFF{}", "\uFEFF \n", "\0", "{}", "[]", "null", "0", "\"\"", "{", "}", "\u2028{}\u2029"];

    private static readonly string[] ProjectFiles = ["a.model.json", "b.model.json", "sub/c.model.json", "sub/deeper/d.model.json"];

    private static readonly string[] ExtendsTargets =
    [
        "a.model.json", "b.model.json", "./a.model.json", "../a.model.json", "sub/c.model.json", "c.model.json", "deeper/d.model.json",
        "../../a.model.json", "/fuzz/a.model.json", "missing.model.json", "base.json", "", ".", "..", "/", "sub/", "a.model.json\0",
        "A.MODEL.JSON", "a.model.json ", "\\fuzz\\a.model.json", "sub/../b.model.json", "::", "\uD800.model.json", "sub//c.model.json",
    ];

    private static readonly string[] Names = ["A", "B", "a", "Same", "same", "Class", "class", "Ab\u200F", "Ab", "_", "AConfig", "Tensor", "Features", "Stem", "var", "nn", "AttnCfg", "Config", "\u00C9t\u00E9", "A1", "1A"];

    private static readonly string[] Bodies =
    [
        "\"family\": \"sam-vit\", \"imageSize\": 128, \"embedDim\": 32, \"depth\": 2, \"numHeads\": 2, \"windowSize\": 4, \"globalAttnIndexes\": [1]",
        "\"family\": \"openclip-vit\", \"imageSize\": 32, \"patchSize\": 16, \"width\": 64, \"layers\": 1",
        "\"family\": \"openclip-resnet\", \"layers\": [1, 1, 1, 1], \"width\": 8, \"outputDim\": 16, \"imageSize\": 64",
        "\"family\": \"vitamin\", \"modelVariant\": \"tiny\", \"imageSize\": [64, 64], \"attnType\": \"rwkv\", \"attnCfg\": { \"depth\": 2 }",
        "\"family\": \"sam-vit\"",
        "\"depth\": 3, \"globalAttnIndexes\": [2]",
        "\"abstract\": true, \"family\": \"sam-vit\"",
        "\"abstract\": \"yes\"",
        "\"namespace\": \"Other.Models\"",
        "\"family\": \"distillation\", \"teacher\": { \"backbone\": \"A\" }, \"student\": { \"backbone\": \"b.model.json\", \"fixLayers\": 1 }, \"studentNeck\": { \"kind\": \"LastLayerProjNeck\", \"inChannels\": 64, \"outChannels\": 32, \"scaleFactor\": 2 }, \"input\": { \"size\": [128, 128] }",
        "\"family\": \"distillation\", \"teacher\": { \"backbone\": \"B\", \"pretrained\": \"x\" }, \"student\": { \"backbone\": \"sub/c.model.json\" }, \"studentNeck\": { \"kind\": \"MultiLayerTransformerNeck\", \"inChannels\": [32, 64, 128, 256], \"embedChannels\": 32, \"outChannels\": 32, \"embeddingFrom\": \"teacher\" }, \"input\": { \"size\": [64, 64] }",
        "",
    ];

    public static IReadOnlyList<FuzzInput> Generate(int seed, int count)
    {
        var corpus = Corpus();
        var truncated = corpus.Single(c => c.Origin == "specs/openclip/vit_b_16.model.json");
        var inputs = new List<FuzzInput>(count);
        for (var length = 0; length <= truncated.Files[0].Text.Length; length++)
            inputs.Add(Truncated(inputs.Count, truncated, length));
        var master = new Random(seed);
        for (var index = inputs.Count; index < count; index++)
        {
            var random = new Random(master.Next());
            var kind = random.Next(100);
            inputs.Add(kind switch
            {
                < 77 => Mutated(index, random, corpus[random.Next(corpus.Count)]),
                < 90 => Project(index, random),
                < 93 => Single(index, "whole file", WholeFiles[random.Next(WholeFiles.Length)]),
                < 97 => Single(index, "random text", SpecMutator.RandomText(random)),
                _ => Single(index, "deep nesting", SpecMutator.DeepNesting(random)),
            });
        }
        return inputs;
    }

    /// <summary>Every built-in spec, the distillation fixtures' compositions and every gallery case, each as the files that must be present for it to resolve.</summary>
    private static List<FuzzInput> Corpus()
    {
        var corpus = new List<FuzzInput>();
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Specs, "*.model.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var chain = new List<(string, string)>();
            for (var current = file; current is not null;)
            {
                var text = File.ReadAllText(current);
                chain.Add((Root + Path.GetRelativePath(RepositoryPaths.Specs, current).Replace('\\', '/'), text));
                var extends = Extends().Match(text);
                current = extends.Success ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, extends.Groups[1].Value)) : null;
            }
            corpus.Add(new FuzzInput(-1, "specs/" + Path.GetRelativePath(RepositoryPaths.Specs, file), chain));
        }

        // The distillation fixtures' compositions with the tiny backbones they name, each composition first (mutated most often).
        var trainingSpecs = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "tests", "ModelGen.Training.Tests", "Specs"), "*.model.json").Order(StringComparer.Ordinal).ToList();
        foreach (var composition in trainingSpecs.Where(f => File.ReadAllText(f).Contains("\"distillation\"", StringComparison.Ordinal)))
            corpus.Add(new FuzzInput(-1, "training-tests/" + Path.GetFileName(composition), trainingSpecs
                .OrderBy(f => f == composition ? 0 : 1)
                .Select(f => (Root + Path.GetFileName(f), File.ReadAllText(f)))
                .ToList()));

        var gallery = Path.Combine(RepositoryPaths.Root, "tests", "ModelGen.Generators.Tests", "Gallery");
        foreach (var directory in Directory.EnumerateDirectories(gallery).Order(StringComparer.Ordinal))
        {
            var files = Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal)
                .Select(f => (Root + Path.GetFileName(directory) + "/" + Path.GetFileName(f), File.ReadAllText(f)))
                .ToList();
            corpus.Add(new FuzzInput(-1, "gallery/" + Path.GetFileName(directory), files));
        }
        return corpus;
    }

    /// <summary>One to three stacked mutations of one file of a corpus entry; the other files stay as they are.</summary>
    private static FuzzInput Mutated(int index, Random random, FuzzInput original)
    {
        var files = original.Files.ToList();
        var target = random.Next(4) == 0 ? random.Next(files.Count) : 0;
        var text = files[target].Text;
        var mutations = random.Next(1, 4);
        for (var i = 0; i < mutations; i++)
            text = SpecMutator.Mutate(random, text);
        files[target] = (files[target].Path, text);
        return new FuzzInput(index, $"{mutations} mutation(s) of {files[target].Path} in {original.Origin}", files);
    }

    private static FuzzInput Single(int index, string origin, string text) => new(index, origin, [(Root + "spec.model.json", text)]);

    private static FuzzInput Truncated(int index, FuzzInput original, int length) =>
        new(index, $"{original.Origin} truncated to {length} chars", [(original.Files[0].Path, original.Files[0].Text[..length]), .. original.Files.Skip(1)]);

    /// <summary>One to four specs with random names and bodies whose 'extends' point at each other, themselves or nowhere.</summary>
    private static FuzzInput Project(int index, Random random)
    {
        var count = random.Next(1, ProjectFiles.Length + 1);
        var files = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var properties = new List<string>();
            if (random.Next(5) != 0)
                properties.Add($"\"name\": \"{Names[random.Next(Names.Length)]}\"");
            if (random.Next(4) != 0)
            {
                var extends = random.Next(3) == 0 ? ProjectFiles[random.Next(count)] : ExtendsTargets[random.Next(ExtendsTargets.Length)];
                properties.Add(random.Next(12) == 0 ? $"\"extends\": {SpecMutator.InterestingNumbers[random.Next(SpecMutator.InterestingNumbers.Length)]}" : $"\"extends\": {Json(extends)}");
            }
            var body = Bodies[random.Next(Bodies.Length)];
            if (body.Length > 0)
                properties.Add(body);
            var text = "{ " + string.Join(", ", properties) + " }";
            if (random.Next(6) == 0)
                text = SpecMutator.Mutate(random, text);
            files.Add((Root + ProjectFiles[i], text));
        }
        return new FuzzInput(index, "extends project", files);
    }

    private static string Json(string value) => "\"" + string.Concat(value.Select(c => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        < ' ' or > '~' => $"\\u{(int)c:X4}",
        _ => c.ToString(),
    })) + "\"";

    [GeneratedRegex("\"extends\"\\s*:\\s*\"([^\"]+)\"")]
    private static partial Regex Extends();
}
