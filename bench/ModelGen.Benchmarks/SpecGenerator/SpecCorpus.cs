namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>
/// A project's worth of distinct, valid spec files for the generator benchmark: every backbone family, small
/// standalone specs, specs that extend the package's built-ins (<c>modelgen:...</c>), specs that extend one abstract
/// base of the project, and distillation compositions of two of the project's SAM specs.
/// </summary>
public static class SpecCorpus
{
    public const string ProjectDirectory = "/bench/project/";

    /// <summary>The spec whose text <see cref="Edit"/> changes: a standalone SAM ViT that is also a composition's teacher.</summary>
    public const int EditedIndex = 10;

    private const string LocalBase = "bases/bench-sam.base.model.json";

    /// <summary><paramref name="count"/> files: <paramref name="count"/> - 1 specs that generate a class each, then the abstract base some of them extend.</summary>
    public static IReadOnlyList<(string Path, string Text)> Create(int count)
    {
        var specs = new List<(string, string)>(count);
        for (var i = 0; i < count - 1; i++)
            specs.Add(Spec(i));
        specs.Add((ProjectDirectory + LocalBase, LocalBaseSpec));
        return specs;
    }

    /// <summary>Another MLP ratio: the spec's class changes, its summary (outputs, grid, position embedding) does not.</summary>
    public static string Edit(string text) => text.Replace("\"mlpRatio\": 4", "\"mlpRatio\": 3", StringComparison.Ordinal);

    private static (string Path, string Text) Spec(int i)
    {
        var k = i / 10;
        return (i % 10) switch
        {
            0 or 1 => ($"{ProjectDirectory}sam/bench_sam_{i:D4}.model.json", SmallSam(i)),
            2 => ($"{ProjectDirectory}sam/bench_sam_b_{i:D4}.model.json", Json($$"""
                "extends": "modelgen:sam/vit_b", "name": "BenchSamB{{i:D4}}",
                "embedDim": {{384 + 48 * (k % 8)}}, "outChans": {{(k % 2 == 0 ? 256 : 128)}}
                """)),
            3 => ($"{ProjectDirectory}openclip/bench_clip_vit_{i:D4}.model.json", Json($$"""
                "extends": "modelgen:openclip/vit_b_16", "name": "BenchClipViT{{i:D4}}",
                "width": {{256 + 64 * (k % 4)}}, "layers": {{2 + k % 10}}, "outputDim": {{256 * (1 + k % 2)}}
                """)),
            4 => ($"{ProjectDirectory}openclip/bench_clip_rn_{i:D4}.model.json", Json($$"""
                "name": "BenchClipRN{{i:D4}}", "family": "openclip-resnet", "description": "A standalone ResNet tower of the benchmark.",
                "layers": [{{1 + k % 3}}, 2, {{2 + k % 2}}, 1], "width": {{32 * (1 + k % 2)}}, "outputDim": 512, "imageSize": 224
                """)),
            5 => ($"{ProjectDirectory}openclip/bench_rn50_{i:D4}.model.json", Json($$"""
                "extends": "modelgen:openclip/rn50", "name": "BenchRN50x{{i:D4}}",
                "layers": [3, {{2 + k % 4}}, {{4 + k % 3}}, 3]
                """)),
            6 => ($"{ProjectDirectory}vitamin/bench_vitamin_rwkv_{i:D4}.model.json", Json($$"""
                "extends": "modelgen:vitamin/vitamin_small_rwkv", "name": "BenchVitaminRwkv{{i:D4}}",
                "attnCfg": { "depth": {{2 + k % 12}}, "mlpRatio": 2 }
                """)),
            7 => ($"{ProjectDirectory}vitamin/bench_vitamin_{i:D4}.model.json", Json($$"""
                "name": "BenchVitamin{{i:D4}}", "family": "vitamin", "modelVariant": "{{(k % 2 == 0 ? "tiny" : "small")}}",
                "imageSize": [256, 256], "attnType": "{{(k % 2 == 0 ? "rwkv" : "transformer")}}",
                "attnCfg": { "depth": {{2 + k % 6}}, "numHeads": 4 }
                """)),
            8 => ($"{ProjectDirectory}sam/bench_sam_local_{i:D4}.model.json", Json($$"""
                "extends": "../{{LocalBase}}", "name": "BenchSamLocal{{i:D4}}",
                "embedDim": {{64 * (1 + k % 4)}}, "depth": {{2 + k % 3}}, "globalAttnIndexes": [{{1 + k % 3}}]
                """)),
            _ => ($"{ProjectDirectory}distill/bench_distill_{i:D4}.model.json", Json($$"""
                "name": "BenchDistill{{i:D4}}", "family": "distillation",
                "teacher": { "backbone": "BenchSam{{i - 9:D4}}" },
                "student": { "backbone": "BenchSam{{i - 8:D4}}" },
                "studentNeck": { "kind": "LastLayerProjNeck", "inChannels": 256, "outChannels": 256 },
                "input": { "size": [256, 256] }
                """)),
        };
    }

    /// <summary>A SAM ViT at 256² (16x16 tokens, windows of 8) whose widths, depths, heads and stage ends vary.</summary>
    private static string SmallSam(int i)
    {
        var k = i / 10;
        var depth = 2 + k % 7;
        var heads = 1 + k % 4;
        var stageEnds = Enumerable.Range(0, Math.Min(depth, 1 + i % 4)).Select(s => depth - 1 - s).Reverse();
        return Json($$"""
            "name": "BenchSam{{i:D4}}", "family": "sam-vit", "description": "Benchmark SAM ViT number {{i}}.",
            "imageSize": 256, "patchSize": 16, "embedDim": {{heads * 16 * (1 + k % 3)}}, "depth": {{depth}}, "numHeads": {{heads}},
            "mlpRatio": 4, "windowSize": 8, "globalAttnIndexes": [{{string.Join(", ", stageEnds)}}]
            """);
    }

    private const string LocalBaseSpec = """
        {
          "abstract": true,
          "family": "sam-vit",
          "namespace": "Bench.Models.Local",
          "imageSize": 128,
          "patchSize": 16,
          "numHeads": 4,
          "windowSize": 4,
          "useRelPos": false
        }
        """;

    /// <summary>The lines of fields (each a comma-separated group) as one JSON object.</summary>
    private static string Json(string fields) =>
        "{\n" + string.Join(",\n", fields.Split('\n').Select(line => "  " + line.Trim().TrimEnd(','))) + "\n}\n";
}
