using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;
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

    /// <summary>The prefixes and alias schemes of the checkpoints this variant's weights come in.</summary>
    CheckpointLayout CheckpointLayout { get; }

    /// <summary>The TorchSharp module itself, for training, moving between devices and state dicts.</summary>
    nn.Module Module { get; }

    /// <summary>The image sizes the forward uses whole, and its native size (from the spec).</summary>
    InputSizeRule InputSizes { get; }

    /// <summary>The number of parameter elements (buffers excluded).</summary>
    long ParameterCount { get; }

    /// <summary>Whether the backbone is frozen as a whole (upstream <c>fix=True</c>).</summary>
    bool IsFixed { get; }

    /// <summary>Whether a training forward checkpoints each block's activations (recomputing them in the backward) to save memory; off by default.</summary>
    bool GradCheckpointing { get; set; }

    /// <summary>Whether <see cref="Forward"/> rejects a batch holding NaN or infinite values (off by default: the check waits for the device).</summary>
    bool RejectNonFiniteInputs { get; set; }

    /// <summary>Runs the backbone on an NCHW image batch of the module's dtype and device and returns its outputs in upstream order.</summary>
    BackboneOutput Forward(Tensor images);

    /// <summary>
    /// Loads a weight file — safetensors, or a torch.save checkpoint (.pth / .bin, including mmengine
    /// training checkpoints) — selecting the module's keys by <paramref name="prefix"/> (detected when
    /// null) and reading them through an alias scheme of <see cref="CheckpointLayout"/> (detected when
    /// null). Strict by default; on any failure nothing is loaded.
    /// </summary>
    WeightLoadReport LoadWeights(string path, string? prefix = null, string? aliasScheme = null, bool strict = true);

    /// <summary>The published weights this variant can be initialised from, by tag.</summary>
    IReadOnlyDictionary<string, PretrainedSource> PretrainedSources { get; }

    /// <summary>Finds or downloads the weights published under <paramref name="tag"/>, verifies them and loads them strictly.</summary>
    WeightLoadReport LoadPretrained(string tag, WeightsDownloader? downloader = null, IProgress<DownloadProgress>? progress = null);

    /// <summary>Writes the state dict as <c>.safetensors</c> under upstream names, optionally under a prefix and an alias scheme's names, atomically.</summary>
    void SaveWeights(string path, string? prefix = null, string? aliasScheme = null);
}
