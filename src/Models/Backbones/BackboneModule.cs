using ModelGen.Models.Layers.Common;
using ModelGen.Models.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The base of every generated backbone class. It carries no topology: the generated subclass
/// creates and registers the submodules and composes them in <c>forward</c>.
/// </summary>
public abstract class BackboneModule : ExplicitModule<Tensor, BackboneOutput>, IBackbone
{
    protected BackboneModule(string name) : base(name)
    {
    }

    public string Name => GetName();

    public abstract IReadOnlyList<FeatureInfo> FeatureInfo { get; }

    public abstract IModelConfig Config { get; }

    public nn.Module Module => this;

    /// <summary>The number of parameter elements (buffers such as BatchNorm statistics excluded).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    public BackboneOutput Forward(Tensor images) => call(images);

    public void LoadWeights(string path, bool strict = true) => WeightLoader.Load(this, path, strict);

    /// <summary>Writes the state dict (parameters and buffers, upstream names) as a <c>.safetensors</c> file.</summary>
    public void SaveWeights(string path) => SafetensorsWriter.Write(path, state_dict());

    /// <summary>Checks the batch the way every backbone needs it: NCHW with the expected channels.</summary>
    protected static void RequireImageBatch(Tensor images, long channels, long sizeMultiple)
    {
        if (images.dim() != 4 || images.shape[1] != channels)
            throw new ArgumentException($"Expected an NCHW image batch with {channels} channels, got shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[2] % sizeMultiple != 0 || images.shape[3] % sizeMultiple != 0)
            throw new ArgumentException($"Image height and width must be multiples of {sizeMultiple}, got {images.shape[2]}x{images.shape[3]}.", nameof(images));
    }
}
