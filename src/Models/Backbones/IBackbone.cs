using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>What every generated backbone offers to code that picks a variant by name.</summary>
public interface IBackbone : IDisposable
{
    /// <summary>The variant's class name.</summary>
    string Name { get; }

    /// <summary>One entry per forward output, in output order.</summary>
    IReadOnlyList<FeatureInfo> FeatureInfo { get; }

    IModelConfig Config { get; }

    /// <summary>The TorchSharp module itself, for training, moving between devices and state dicts.</summary>
    nn.Module Module { get; }

    /// <summary>Runs the backbone on an NCHW image batch and returns its outputs in upstream order.</summary>
    BackboneOutput Forward(Tensor images);

    /// <summary>Loads a <c>.safetensors</c> file whose keys are the upstream parameter names.</summary>
    void LoadWeights(string path, bool strict = true);
}
