using System.Text.Json;
using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Models.Tests.Necks;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

/// <summary>
/// Every case of tests/fixtures/checkpoints: a checkpoint in a published layout (open_clip state dicts,
/// mmengine training checkpoints) loads as it is into generated modules, by prefix, and they reproduce
/// the reference outputs within each output's atol.
/// </summary>
public sealed class CheckpointFixtureTests
{
    private static string Folder => Path.Combine(RepositoryPaths.Fixtures, "checkpoints");

    /// <summary>(case, checkpoint file) for every checkpoint file each case's sidecar lists.</summary>
    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var sidecar in Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(sidecar));
            foreach (var file in json.RootElement.GetProperty("files").EnumerateObject().Select(f => f.Name).Where(f => !f.EndsWith(".ref.safetensors", StringComparison.Ordinal)))
                data.Add(Path.GetFileNameWithoutExtension(sidecar), file);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_checkpoint_loads_by_prefix_and_reproduces_the_reference_outputs(string @case, string file)
    {
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, @case + ".json")));
        using var reference = SafetensorsFile.Open(Path.Combine(Folder, @case + ".ref.safetensors"));
        using var checkpoint = WeightFiles.Open(Path.Combine(Folder, file));
        var layout = sidecar.RootElement.GetProperty("layout").GetString()!;
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using var _ = no_grad();

        if (layout.StartsWith("open_clip", StringComparison.Ordinal))
        {
            using var tower = new OpenClipCheckpointTower();
            var report = tower.LoadWeights(checkpoint);
            Assert.Equal("visual.", report.Prefix);
            Assert.Null(report.AliasScheme);
            Assert.Equal(sidecar.RootElement.GetProperty("ignored_keys").EnumerateArray().Select(k => k.GetString()!).Order(), report.Ignored.Order());
            Collect(outputs, "output", tower.Forward(reference.Read("input")));
            outputs["embedding"] = tower.Embed(reference.Read("input_native"));
        }
        else if (layout.StartsWith("mmengine", StringComparison.Ordinal))
        {
            using var teacher = new RwkvSamCheckpointTeacher();
            using var student = new RwkvSamTinyStudent();
            using var neck = new LastLayerProjNeck(inChannels: 32, outChannels: 16);
            Assert.Equal("ovsam", teacher.LoadWeights(checkpoint, prefix: "backbone_teacher").AliasScheme);
            Assert.Null(student.LoadWeights(checkpoint, prefix: "backbone_student").AliasScheme);
            Assert.Equal(6, neck.LoadWeights(checkpoint, prefix: "neck_student").Loaded.Count);
            var input = reference.Read("input");
            Collect(outputs, "teacher.output", teacher.Forward(input));
            var studentOutputs = student.Forward(input);
            Collect(outputs, "student.output", studentOutputs);
            outputs["neck_student.output"] = neck.Forward(studentOutputs);
        }
        else
        {
            Assert.Fail($"checkpoints/{@case} has layout '{layout}', which no loader test covers yet.");
        }

        var expected = sidecar.RootElement.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(expected.Select(o => o.GetProperty("name").GetString()!).Order(), outputs.Keys.Order());
        foreach (var output in expected)
        {
            var name = output.GetProperty("name").GetString()!;
            TensorAssert.Close(reference.Read(name), outputs[name], output.GetProperty("atol").GetDouble(), sidecar.RootElement.GetProperty("rtol").GetDouble(), $"{@case} ({file}) {name}");
        }
    }

    private static void Collect(Dictionary<string, Tensor> outputs, string prefix, BackboneOutput features)
    {
        for (var i = 0; i < features.Count; i++)
            outputs[$"{prefix}.{i}"] = features[i];
    }
}
