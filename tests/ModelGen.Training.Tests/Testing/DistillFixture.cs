using ModelGen.Models.Backbones;
using ModelGen.Models.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Testing;

/// <summary>A distillation fixture: the sidecar and the tensors of tests/fixtures/distill/&lt;case&gt;.safetensors.</summary>
internal sealed class DistillFixture : IDisposable
{
    private DistillFixture(DistillSidecar sidecar, SafetensorsFile tensors)
    {
        Sidecar = sidecar;
        Tensors = tensors;
    }

    public string Name => Sidecar.Name;

    public DistillSidecar Sidecar { get; }

    public SafetensorsFile Tensors { get; }

    public static DistillFixture Load(string name) =>
        new(DistillSidecar.Load(name), SafetensorsFile.Open(Path.Combine(DistillCases.Directory, name + ".safetensors")));

    public Tensor Read(string name) => Tensors.Read(name);

    /// <summary>
    /// Loads <c>init.&lt;prefix&gt;.*</c> into <paramref name="module"/>, strictly; a backbone reads OVSAM's wrapper names
    /// through its alias schemes. Values are converted to the module's dtypes.
    /// </summary>
    /// <returns>The fixture name (without <c>init.</c>) of every key of the module.</returns>
    public IReadOnlyDictionary<string, string> LoadInit(nn.Module module, string prefix)
    {
        var report = module is BackboneModule backbone
            ? backbone.LoadWeights(Tensors, prefix: $"init.{prefix}")
            : WeightLoader.Load(module, Tensors, prefix: $"init.{prefix}");
        return report.SourceKeys.ToDictionary(p => p.Key, p => p.Value["init.".Length..]);
    }

    public void Dispose()
    {
        Tensors.Dispose();
        Sidecar.Dispose();
    }
}
