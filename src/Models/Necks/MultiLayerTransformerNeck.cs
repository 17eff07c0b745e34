using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Sam;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// OVSAM's SAM2CLIP student neck (<c>MultiLayerTransformerNeck</c>, <c>seg/models/necks/transformer_neck.py</c>):
/// each selected backbone level is embedded to the stride-16 grid (<c>patch_embeds</c>: a k=s convolution
/// from finer strides, a k=s transposed convolution from coarser ones), tagged with its
/// <c>level_encoding</c> row and summed; the SAM position embedding <c>pos_embed</c> (a buffer) is
/// added, five SAM blocks run (<c>blocks</c>: windows of 14, the last global), and the SAM-style
/// projection <c>neck</c> gives the NCHW output at stride 16.
/// </summary>
public sealed class MultiLayerTransformerNeck : NeckModule
{
    /// <summary>The stride of the transformer grid and of the output.</summary>
    public const int Stride = 16;

    /// <summary>Upstream's fixed block layout: five blocks of 16 heads, MLP ratio 4, windows of 14 except the global last.</summary>
    public const int Depth = 5;

    public const int GlobalAttnIndex = 4;

    public const int WindowSize = 14;

    public const int NumHeads = 16;

    public const int MlpRatio = 4;

    private const double NormEps = 1e-6;

    private static readonly int[] DefaultLayerIds = [0, 1, 2, 3];

    private static readonly int[] DefaultStrides = [4, 8, 16, 32];

    private readonly NeckInput[] _inputs;

    /// <param name="inputSize">The image size (height, width) the neck is built for: the token grid is <c>inputSize / 16</c>.</param>
    /// <param name="inChannels">The channels of every backbone output, selected or not.</param>
    /// <param name="layerIds">The backbone outputs used; default (0, 1, 2, 3).</param>
    /// <param name="strides">The stride of every backbone output; default (4, 8, 16, 32). Each used one divides 16 or is a multiple of it.</param>
    /// <param name="posEmbed">
    /// The initial <c>pos_embed</c>, (1, H/16, W/16, embedChannels): upstream's <c>embedding_path</c> names a SAM
    /// checkpoint whose <c>image_encoder.pos_embed</c> it copies, so pass that tensor (e.g. a loaded SAM backbone's
    /// <c>pos_embed</c>). It is copied. Zeros when null, as upstream without <c>embedding_path</c> (for loading a checkpoint).
    /// </param>
    /// <param name="fix">Freeze the neck: no parameter requires a gradient and <c>train()</c> keeps it in eval mode.</param>
    public MultiLayerTransformerNeck(
        (int Height, int Width) inputSize,
        IReadOnlyList<int> inChannels,
        int embedChannels,
        int outChannels,
        IReadOnlyList<int>? layerIds = null,
        IReadOnlyList<int>? strides = null,
        Tensor? posEmbed = null,
        bool fix = false)
        : base(nameof(MultiLayerTransformerNeck))
    {
        layerIds ??= DefaultLayerIds;
        strides ??= DefaultStrides;
        Validate(inputSize, inChannels, embedChannels, outChannels, layerIds, strides);
        InputSize = inputSize;
        InChannels = inChannels.ToArray();
        EmbedChannels = embedChannels;
        OutChannels = outChannels;
        LayerIds = layerIds.ToArray();
        Strides = strides.ToArray();
        Fix = fix;
        TransformerSize = (inputSize.Height / Stride, inputSize.Width / Stride);
        _inputs = LayerIds.Select(id => new NeckInput(id, InChannels[id], Strides[id])).ToArray();

        PatchEmbeds = new ModuleList<nn.Module<Tensor, Tensor>>(
            Enumerable.Range(0, InChannels.Count).Select(idx => LevelEmbed(idx)).ToArray());
        LevelEncoding = nn.Embedding(LayerIds.Count, embedChannels);
        Blocks = new ModuleList<SamBlock>(Enumerable.Range(0, Depth).Select(i => i == GlobalAttnIndex
            ? new SamBlock(embedChannels, NumHeads, embedChannels * MlpRatio, qkvBias: true, useRelPos: true, NormEps, windowSize: 0, relPosSize: TransformerSize)
            : new SamBlock(embedChannels, NumHeads, embedChannels * MlpRatio, qkvBias: true, useRelPos: true, NormEps, windowSize: WindowSize, relPosSize: WindowSize)).ToArray());
        Neck = SamProjection.Create(embedChannels, outChannels);
        register_module("patch_embeds", PatchEmbeds);
        register_buffer("pos_embed", InitialPosEmbed(posEmbed));
        register_module("level_encoding", LevelEncoding);
        register_module("blocks", Blocks);
        register_module("neck", Neck);

        if (fix)
        {
            foreach (var parameter in parameters())
                parameter.requires_grad = false;
            eval();
        }
    }

    public (int Height, int Width) InputSize { get; }

    public IReadOnlyList<int> InChannels { get; }

    public int EmbedChannels { get; }

    public int OutChannels { get; }

    public IReadOnlyList<int> LayerIds { get; }

    public IReadOnlyList<int> Strides { get; }

    public bool Fix { get; }

    /// <summary>The token grid, <see cref="InputSize"/> / 16 (rounded down).</summary>
    public (int Height, int Width) TransformerSize { get; }

    /// <summary>One entry per backbone output: a <see cref="MmdetPatchEmbed"/> for a used level, an identity otherwise.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> PatchEmbeds { get; }

    /// <summary>The <c>pos_embed</c> buffer, looked up because <c>to(dtype or device)</c> replaces it.</summary>
    public Tensor PosEmbed => get_buffer("pos_embed")!;

    public Embedding LevelEncoding { get; }

    public ModuleList<SamBlock> Blocks { get; }

    public Sequential Neck { get; }

    public override IReadOnlyList<NeckInput> Inputs => _inputs;

    /// <summary>Keeps a fixed neck in eval mode, as upstream's <c>train</c> override does.</summary>
    public override void train(bool train = true) => base.train(train && !Fix);

    public override Tensor forward(IReadOnlyList<Tensor> features)
    {
        RequireInputs(features);
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        var level = 0;
        for (var idx = 0; idx < features.Count; idx++)
        {
            if (!LayerIds.Contains(idx))
                continue;
            var tokens = PatchEmbeds[idx].call(features[idx]) + LevelEncoding.weight![level++];
            RequireTransformerGrid(tokens, idx);
            sum = sum is null ? tokens : sum + tokens;
        }

        var x = sum! + PosEmbed;
        foreach (var block in Blocks)
            x = block.call(x);
        return Neck.call(x.permute(0, 3, 1, 2).contiguous()).MoveToOuterDisposeScope();
    }

    protected override FeatureInfo Describe(IReadOnlyList<FeatureInfo> backboneFeatures) => new("neck", OutChannels, Stride);

    private nn.Module<Tensor, Tensor> LevelEmbed(int idx)
    {
        if (!LayerIds.Contains(idx))
            return nn.Identity();
        var stride = Strides[idx];
        return stride > Stride
            ? new MmdetPatchEmbed(InChannels[idx], EmbedChannels, stride / Stride, transposed: true)
            : new MmdetPatchEmbed(InChannels[idx], EmbedChannels, Stride / stride, transposed: false);
    }

    private Tensor InitialPosEmbed(Tensor? posEmbed)
    {
        long[] shape = [1, TransformerSize.Height, TransformerSize.Width, EmbedChannels];
        if (posEmbed is null)
            return zeros(shape);
        if (!posEmbed.shape.SequenceEqual(shape))
            throw new ArgumentException(
                $"pos_embed must have shape [{string.Join(", ", shape)}] for input size {InputSize} and {EmbedChannels} channels, got [{string.Join(", ", posEmbed.shape)}].",
                nameof(posEmbed));
        return posEmbed.detach().clone();
    }

    private void RequireTransformerGrid(Tensor tokens, int idx)
    {
        if (tokens.shape[1] != TransformerSize.Height || tokens.shape[2] != TransformerSize.Width)
            throw new ArgumentException(
                $"{nameof(MultiLayerTransformerNeck)} was built for {InputSize.Height}x{InputSize.Width} inputs, a {TransformerSize.Height}x{TransformerSize.Width} grid at stride {Stride}; " +
                $"backbone output {idx} (stride {Strides[idx]}) embeds to {tokens.shape[1]}x{tokens.shape[2]}.");
    }

    private static void Validate((int Height, int Width) inputSize, IReadOnlyList<int> inChannels, int embedChannels, int outChannels, IReadOnlyList<int> layerIds, IReadOnlyList<int> strides)
    {
        if (inputSize.Height < Stride || inputSize.Width < Stride)
            throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, $"Both sides must be at least {Stride}.");
        if (inChannels.Count == 0 || inChannels.Any(c => c <= 0))
            throw new ArgumentException("Give the positive channel count of every backbone output.", nameof(inChannels));
        if (embedChannels <= 0 || embedChannels % NumHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(embedChannels), embedChannels, $"Must be a positive multiple of the blocks' {NumHeads} heads.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        if (layerIds.Count == 0 || layerIds.Distinct().Count() != layerIds.Count || layerIds.Any(id => id < 0 || id >= inChannels.Count))
            throw new ArgumentException($"Layer ids must be distinct indexes of the {inChannels.Count} backbone outputs, got ({string.Join(", ", layerIds)}).", nameof(layerIds));
        foreach (var id in layerIds)
        {
            if (id >= strides.Count)
                throw new ArgumentException($"No stride is given for backbone output {id}.", nameof(strides));
            var stride = strides[id];
            if (stride <= 0 || (Stride % stride != 0 && stride % Stride != 0))
                throw new ArgumentException($"The stride of backbone output {id}, {stride}, must divide {Stride} or be a multiple of it.", nameof(strides));
        }
    }
}
