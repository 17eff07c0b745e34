using System.Text.Json;
using ModelGen.Models.Necks;
using ModelGen.Models.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// One distillation trajectory of tests/fixtures/distill (copied from the shared fixtures): the sidecar
/// and the safetensors file with <c>inputs</c>, <c>init.*</c> and the reference features.
/// </summary>
internal sealed class DistillCase : IDisposable
{
    private DistillCase(string name, JsonDocument sidecar, SafetensorsFile tensors)
    {
        Name = name;
        Sidecar = sidecar;
        Tensors = tensors;
    }

    public string Name { get; }

    public JsonDocument Sidecar { get; }

    public SafetensorsFile Tensors { get; }

    /// <param name="relativeName">e.g. <c>distill/rwkvsam_tiny</c>.</param>
    public static DistillCase Load(string relativeName)
    {
        var basePath = Path.Combine(RepositoryPaths.Fixtures, relativeName);
        var sidecar = JsonDocument.Parse(File.ReadAllText(basePath + ".json"));
        return new DistillCase(relativeName, sidecar, SafetensorsFile.Open(basePath + ".safetensors"));
    }

    public Tensor Read(string name) => Tensors.Read(name);

    /// <summary>The elementwise atol of a reference quantity (sidecar <c>tolerances.&lt;quantity&gt;_atol</c>; no rtol).</summary>
    public double Atol(string quantity) => Sidecar.RootElement.GetProperty("tolerances").GetProperty(quantity + "_atol").GetDouble();

    /// <summary>The constructor config of one detector module, e.g. <c>neck_student</c>.</summary>
    public JsonElement ModelConfig(string module) => Sidecar.RootElement.GetProperty("model_config").GetProperty(module);

    /// <summary>The batch of training step <paramref name="step"/>: <c>inputs[batch_order[step]]</c>.</summary>
    public Tensor Batch(int step)
    {
        var batch = Sidecar.RootElement.GetProperty("data").GetProperty("batch_order")[step].GetInt32();
        using var inputs = Read("inputs");
        return inputs[batch].clone();
    }

    /// <summary>The detector's state-dict entries under <c>module.</c>, prefix removed, in state-dict order.</summary>
    public IReadOnlyList<(string Key, long[] Shape, string Kind, bool RequiresGrad)> StateDict(string module)
    {
        var prefix = module + ".";
        return Sidecar.RootElement.GetProperty("parameters").EnumerateObject()
            .Where(p => p.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => (
                p.Name[prefix.Length..],
                p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                p.Value.GetProperty("kind").GetString()!,
                p.Value.TryGetProperty("requires_grad", out var grad) && grad.ValueKind == JsonValueKind.True))
            .ToList();
    }

    /// <summary>Loads <c>init.&lt;module&gt;.*</c> strictly, each key mapped to the module's name by <paramref name="rename"/>.</summary>
    public void LoadInitialWeights(nn.Module target, string module, Func<string, string>? rename = null)
    {
        var prefix = "init." + module + ".";
        var sources = Tensors.Entries.Values
            .Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => (rename ?? (k => k))(e.Name[prefix.Length..]), e => e);
        WeightLoader.Load(target, sources.ToDictionary(s => s.Key, s => s.Value.Shape), key => Tensors.Read(sources[key].Name), $"{Name} {prefix}*", strict: true);
    }

    /// <summary>Builds the neck <c>model_config.&lt;module&gt;</c> describes, with its constructor arguments.</summary>
    public NeckModule CreateNeck(string module)
    {
        var config = ModelConfig(module);
        var type = config.GetProperty("type").GetString()!;
        return type[(type.LastIndexOf('.') + 1)..] switch
        {
            nameof(LastLayerNeck) => new LastLayerNeck(),
            nameof(LastLayerProjNeck) => new LastLayerProjNeck(
                config.GetProperty("in_channels").GetInt32(),
                config.GetProperty("out_channels").GetInt32(),
                config.TryGetProperty("scale_factor", out var scale) ? scale.GetDouble() : 1),
            nameof(MultiLayerTransformerNeck) => CreateMultiLayerTransformerNeck(config),
            _ => throw new NotSupportedException($"{Name}: no neck for {type}."),
        };
    }

    /// <summary>
    /// upstream's <c>embedding_path</c> (<c>sam_&lt;model&gt;</c>) copies the SAM checkpoint's <c>pos_embed</c>;
    /// in these cases that checkpoint is the teacher's.
    /// </summary>
    private MultiLayerTransformerNeck CreateMultiLayerTransformerNeck(JsonElement config)
    {
        var inputSize = Ints(config.GetProperty("input_size"));
        using var teacherPosEmbed = config.TryGetProperty("embedding_path", out var path) && path.ValueKind == JsonValueKind.String
            ? ReadTeacherPosEmbed(path.GetString()!)
            : null;
        return new MultiLayerTransformerNeck(
            (inputSize[0], inputSize[1]),
            Ints(config.GetProperty("in_channels")),
            config.GetProperty("embed_channels").GetInt32(),
            config.GetProperty("out_channels").GetInt32(),
            config.TryGetProperty("layer_ids", out var ids) ? Ints(ids) : null,
            config.TryGetProperty("strides", out var strides) ? Ints(strides) : null,
            teacherPosEmbed,
            config.TryGetProperty("fix", out var fix) && fix.GetBoolean());
    }

    private Tensor ReadTeacherPosEmbed(string embeddingPath)
    {
        var teacher = "sam_" + ModelConfig("backbone_teacher").GetProperty("model_name").GetString();
        if (embeddingPath != teacher)
            throw new NotSupportedException($"{Name}: embedding_path '{embeddingPath}' is not the teacher's checkpoint '{teacher}'.");
        return Read("init.backbone_teacher.pos_embed");
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public void Dispose()
    {
        Tensors.Dispose();
        Sidecar.Dispose();
    }
}
