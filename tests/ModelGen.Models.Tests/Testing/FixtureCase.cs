using System.Text.Json;
using ModelGen.Models.Backbones;
using ModelGen.Models.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// One golden case of tests/fixtures (copied from the shared fixtures): the JSON sidecar and the
/// safetensors file with <c>weights.*</c>, inputs and reference outputs.
/// </summary>
internal sealed class FixtureCase : IDisposable
{
    private const string WeightsPrefix = "weights.";

    private FixtureCase(string name, JsonDocument sidecar, SafetensorsFile tensors)
    {
        Name = name;
        Sidecar = sidecar;
        Tensors = tensors;
    }

    public string Name { get; }

    public JsonDocument Sidecar { get; }

    public SafetensorsFile Tensors { get; }

    public JsonElement Constructor => Sidecar.RootElement.GetProperty("constructor");

    public double Rtol => Sidecar.RootElement.GetProperty("rtol").GetDouble();

    /// <param name="relativeName">e.g. <c>sam/sam_tiny_w14</c>.</param>
    public static FixtureCase Load(string relativeName)
    {
        var basePath = Path.Combine(RepositoryPaths.Fixtures, relativeName);
        var sidecar = JsonDocument.Parse(File.ReadAllText(basePath + ".json"));
        return new FixtureCase(relativeName, sidecar, SafetensorsFile.Open(basePath + ".safetensors"));
    }

    public static string PathOf(string relativeFile) => Path.Combine(RepositoryPaths.Fixtures, relativeFile);

    public Tensor Read(string name) => Tensors.Read(name);

    /// <summary>The output's own atol, falling back to the case-level one.</summary>
    public double Atol(string outputName)
    {
        foreach (var output in Sidecar.RootElement.GetProperty("outputs").EnumerateArray())
            if (output.GetProperty("name").GetString() == outputName && output.TryGetProperty("atol", out var atol))
                return atol.GetDouble();
        return Sidecar.RootElement.GetProperty("atol").GetDouble();
    }

    /// <summary>Loads the case's <c>weights.*</c> tensors into the module, strictly.</summary>
    public void LoadWeightsInto(nn.Module module) => WeightLoader.Load(module, Tensors, prefix: WeightsPrefix);

    /// <summary>Builds the named variant and loads this case's weights into it.</summary>
    public IBackbone CreateBackbone(string variant)
    {
        var backbone = ModelZoo.Create(variant);
        LoadWeightsInto(backbone.Module);
        return backbone;
    }

    /// <summary>
    /// Compares each output with <c>&lt;prefix&gt;.i</c> of the case (each output's own atol, or
    /// <paramref name="atol"/> when given) and checks its channels and size against the feature info
    /// (input size over reduction, rounded down or up as the family's strided layers do).
    /// </summary>
    public void AssertOutputsMatch(BackboneOutput outputs, Tensor input, string prefix = "output", double? atol = null)
    {
        Assert.Equal(Tensors.Entries.Keys.Count(k => k.StartsWith(prefix + ".", StringComparison.Ordinal)), outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            var name = $"{prefix}.{i}";
            using var expected = Read(name);
            TensorAssert.Close(expected, outputs[i], atol ?? Atol(name), Rtol, $"{Name} {name}");
            var feature = outputs.Features[i];
            Assert.Equal(feature.Channels, outputs[i].shape[1]);
            for (var axis = 2; axis < 4; axis++)
            {
                var extent = input.shape[axis] / feature.Reduction;
                Assert.InRange(outputs[i].shape[axis], Math.Floor(extent), Math.Ceiling(extent));
            }
        }
    }

    public void Dispose()
    {
        Tensors.Dispose();
        Sidecar.Dispose();
    }
}
