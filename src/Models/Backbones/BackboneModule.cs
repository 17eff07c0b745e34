using ModelGen.Models.Layers.Common;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Runtime;
using ModelGen.Models.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The base of every generated backbone class. It carries no topology: the generated subclass
/// creates and registers the submodules and composes them in <c>forward</c>. It owns the
/// frozen/trainable contract of the upstream wrappers (<c>fix</c>, OpenCLIP's <c>fix_layers</c>)
/// and loading and saving weights under upstream names.
/// </summary>
public abstract class BackboneModule : ExplicitModule<Tensor, BackboneOutput>, IBackbone
{
    private IReadOnlyList<nn.Module> _frozenParts = [];

    protected BackboneModule(string name) : base(name)
    {
    }

    public string Name => GetName();

    public abstract IReadOnlyList<FeatureInfo> FeatureInfo { get; }

    // Explicit, so that a generated class can declare a public Config of its own record type. A
    // covariant override would give the type two public properties named Config, which TorchSharp's
    // Module.to cannot handle (it indexes the public properties by name).
    IModelConfig IBackbone.Config => ModelConfig;

    /// <summary>The generated class's typed <c>Config</c>, for <see cref="IBackbone.Config"/>.</summary>
    protected abstract IModelConfig ModelConfig { get; }

    /// <summary>The prefixes and alias schemes of the checkpoints this variant's weights come in (from its spec).</summary>
    public abstract CheckpointLayout CheckpointLayout { get; }

    /// <summary>The published weights this variant can be initialised from, by tag (from its spec's <c>pretrained</c>).</summary>
    public abstract IReadOnlyDictionary<string, PretrainedSource> PretrainedSources { get; }

    public nn.Module Module => this;

    /// <inheritdoc cref="IBackbone.InputSizes"/>
    public InputSizeRule InputSizes => InputSizeRules.For(ModelConfig);

    /// <summary>Whether the whole backbone is frozen (upstream <c>fix=True</c>): no parameter requires a gradient, it stays in eval mode and its forward builds no graph.</summary>
    public bool IsFixed { get; private set; }

    /// <summary>The number of parameter elements (buffers such as BatchNorm statistics excluded).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The number of parameter elements that require a gradient.</summary>
    public long TrainableParameterCount => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Runs the backbone (<c>call</c>), then lets finalizable TorchSharp objects go (<see cref="TensorMemory.ReleaseFinalizableHandles"/>).</summary>
    public BackboneOutput Forward(Tensor images)
    {
        var output = call(images);
        TensorMemory.ReleaseFinalizableHandles();
        return output;
    }

    /// <inheritdoc cref="IBackbone.LoadWeights(string, string?, string?, bool)"/>
    public WeightLoadReport LoadWeights(string path, string? prefix = null, string? aliasScheme = null, bool strict = true) =>
        WeightLoader.Load(this, path, CheckpointLayout, prefix, aliasScheme, strict);

    /// <summary>Loads from an open file, e.g. one of several modules of a training checkpoint, each by its prefix.</summary>
    public WeightLoadReport LoadWeights(ITensorSource source, string? prefix = null, string? aliasScheme = null, bool strict = true) =>
        WeightLoader.Load(this, source, CheckpointLayout, prefix, aliasScheme, strict);

    /// <inheritdoc cref="IBackbone.SaveWeights(string, string?, string?)"/>
    public void SaveWeights(string path, string? prefix = null, string? aliasScheme = null) =>
        WeightSaver.Save(this, path, CheckpointLayout, prefix, aliasScheme);

    /// <summary>
    /// Loads the weights published under <paramref name="tag"/> (upstream <c>init_cfg</c>): the file is
    /// taken from the weights folders (<c>MODELGEN_WEIGHTS</c>, then the per-user cache) or downloaded,
    /// its hash verified, then loaded strictly with the source's prefix and alias scheme.
    /// </summary>
    public WeightLoadReport LoadPretrained(string tag, WeightsDownloader? downloader = null, IProgress<DownloadProgress>? progress = null)
    {
        if (!PretrainedSources.TryGetValue(tag, out var source))
            throw new ArgumentException(PretrainedSources.Count == 0
                ? $"{Name} declares no pretrained weights; load a file with LoadWeights."
                : $"{Name} has no pretrained weights tagged '{tag}'; its tags are {string.Join(", ", PretrainedSources.Keys.Select(k => $"'{k}'"))}.", nameof(tag));
        var path = (downloader ?? new WeightsDownloader()).Ensure(source, progress);
        return LoadWeights(path, source.Prefix, source.AliasScheme);
    }

    /// <summary>Upstream's <c>train()</c> override: a fixed backbone stays in eval mode, and frozen stages stay in eval mode (their BatchNorm statistics do not move) while the rest trains.</summary>
    public override void train(bool train = true)
    {
        base.train(train && !IsFixed);
        if (train && !IsFixed)
            foreach (var part in _frozenParts)
                part.eval();
    }

    /// <summary>
    /// Applies the frozen/trainable contract once the subclass has registered its modules: with
    /// <paramref name="fix"/> every parameter stops requiring a gradient; otherwise the parameters of
    /// <paramref name="frozenParts"/> (frozen stages, which also stay in eval mode) and
    /// <paramref name="untrainedParameters"/> (what upstream never trains, e.g. OpenCLIP's attention-pool
    /// head) do. The module ends in eval mode, like the upstream wrappers after construction.
    /// </summary>
    protected void ApplyFreezing(bool fix, IReadOnlyList<nn.Module> frozenParts, IEnumerable<Parameter> untrainedParameters)
    {
        IsFixed = fix;
        _frozenParts = fix ? [] : frozenParts;
        var frozen = fix ? parameters() : frozenParts.SelectMany(p => p.parameters()).Concat(untrainedParameters);
        foreach (var parameter in frozen)
            parameter.requires_grad = false;
        eval();
    }

    /// <summary>
    /// Activation checkpointing per block (timm's <c>set_grad_checkpointing</c>): when on, a training forward with
    /// gradients enabled keeps only each block's input and the backward recomputes the block, which trades about one
    /// more forward of the blocks for the memory of their inner activations. Outputs and gradients are those of a plain
    /// forward; inference (eval mode or no_grad) is unchanged. Off by default.
    /// </summary>
    public bool GradCheckpointing { get; set; }

    /// <summary>The generated forward's call of one block: through a checkpoint when <see cref="GradCheckpointing"/> applies.</summary>
    protected Tensor RunBlock(nn.Module<Tensor, Tensor> block, Tensor x) =>
        GradCheckpointing && training && is_grad_enabled() ? BlockCheckpointFunction.Run(block, x) : block.call(x);

    /// <summary>A fixed backbone's forward runs without building a graph, as upstream's does under <c>torch.no_grad()</c>; dispose the result after the forward.</summary>
    protected IDisposable? FixedForwardScope() => IsFixed ? no_grad() : null;

    /// <summary>
    /// Opt-in: make the forward reject an image batch holding NaN or infinite values. Off by default,
    /// because the check reads a result back from the batch's device, which waits for it.
    /// </summary>
    public bool RejectNonFiniteInputs { get; set; }

    /// <summary>
    /// The forward's entrance check: an NCHW batch (any N, including 0) with the expected channels,
    /// sides of at least <paramref name="minimumSide"/> pixels, and the module's floating dtype and device.
    /// </summary>
    protected void RequireImageBatch(Tensor images, long channels, long minimumSide)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != channels)
            throw new ArgumentException($"{Name} expects an NCHW image batch with {channels} channels, got shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[2] < minimumSide || images.shape[3] < minimumSide)
            throw new ArgumentException($"{Name} needs image sides of at least {minimumSide} {(minimumSide == 1 ? "pixel" : "pixels")}, got {images.shape[2]}x{images.shape[3]}.", nameof(images));
        ImageBatchChecks.RequireModuleDtypeAndDevice(Name, images, parameters().FirstOrDefault());
        if (RejectNonFiniteInputs)
            ImageBatchChecks.RequireFinite(Name, images);
        LastPeakEstimate = ForwardMemoryCheck.ActivationBytes(this, images);
        ForwardMemoryCheck.Require(Name, images, LastPeakEstimate, "its activations", AvailableBytes(images.device));
    }

    /// <summary>
    /// At most this many bytes for a forward's working set (beyond the module's own parameters): a forward whose
    /// estimated peak is larger is refused with <see cref="InsufficientMemoryException"/> before it starts. Null (the
    /// default): the memory available on the batch's device, known for the CPU on Linux (<c>MemAvailable</c>) and not
    /// checked elsewhere. Under both, the smaller applies.
    /// </summary>
    public long? MemoryLimitBytes { get; set; }

    /// <summary>The estimated peak working set of the last forward that passed its checks, in bytes (for calibration).</summary>
    internal double LastPeakEstimate { get; private set; }

    /// <summary>
    /// Throws <see cref="InsufficientMemoryException"/> before a forward whose global-attention layers' peak, the
    /// maps of the <paramref name="tensor"/> of <paramref name="shape"/> alive at once in the batch's dtype beside the
    /// activations, exceeds the memory available (see <see cref="MemoryLimitBytes"/>). Layers that compute their scores
    /// a block at a time (<see cref="IBlockedAttention"/>) hold a block of the map instead of all of it.
    /// </summary>
    protected void RequireMemoryFor(Tensor images, string tensor, params long[] shape)
    {
        var scoresPerBlock = modules().OfType<IBlockedAttention>().Select(a => (long?)a.ScoresPerBlock).Max();
        var need = ForwardMemoryCheck.AttentionBytes(this, images, shape, scoresPerBlock);
        LastPeakEstimate = Math.Max(LastPeakEstimate, need);
        var maps = ForwardMemoryCheck.For(((IBackbone)this).Config.Family).Maps;
        var held = scoresPerBlock is null ? $"the {tensor}" : $"a block of the {tensor}";
        ForwardMemoryCheck.Require(Name, images, need,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{maps:0.#} x {held} [{string.Join(", ", shape)}], with its activations"),
            AvailableBytes(images.device));
    }

    private long? AvailableBytes(Device device) => (MemoryLimitBytes, ForwardMemoryCheck.AvailableBytes(device)) switch
    {
        (long limit, long available) => Math.Min(limit, available),
        (long limit, null) => limit,
        (null, var available) => available,
    };
}
