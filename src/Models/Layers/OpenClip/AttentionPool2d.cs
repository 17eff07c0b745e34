using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>
/// CLIP's attention pooling head of <c>ModifiedResNet</c>: the spatial mean, prepended to the
/// flattened NCHW map, attends over all positions (learned absolute position embedding of
/// <c>spacialDim</c>² + 1 tokens, so the map must have spacialDim² positions) and is projected by
/// <c>c_proj</c>. Parameters <c>positional_embedding</c>, <c>k_proj</c>, <c>q_proj</c>, <c>v_proj</c>, <c>c_proj</c>.
/// </summary>
public sealed class AttentionPool2d : ExplicitModule<Tensor, Tensor>
{
    private readonly long _numHeads;

    public AttentionPool2d(long spacialDim, long embedDim, long numHeads, long outputDim) : base(nameof(AttentionPool2d))
    {
        _numHeads = numHeads;
        SpacialDim = spacialDim;
        using var scale = Math.Sqrt(embedDim).ToScalar();
        register_parameter("positional_embedding", new Parameter(randn(spacialDim * spacialDim + 1, embedDim).div_(scale)));
        KProj = new LinearLayer(embedDim, embedDim);
        QProj = new LinearLayer(embedDim, embedDim);
        VProj = new LinearLayer(embedDim, embedDim);
        CProj = new LinearLayer(embedDim, outputDim);
        register_module("k_proj", KProj);
        register_module("q_proj", QProj);
        register_module("v_proj", VProj);
        register_module("c_proj", CProj);

        // open_clip's ModifiedResNet.init_parameters: projections drawn with std 1/sqrt(embedDim).
        var std = Math.Pow(embedDim, -0.5);
        foreach (var projection in new[] { QProj, KProj, VProj, CProj })
            nn.init.normal_(projection.Weight, std: std);
    }

    public long SpacialDim { get; }

    public Parameter PositionalEmbedding => get_parameter("positional_embedding")!;

    public LinearLayer KProj { get; }

    public LinearLayer QProj { get; }

    public LinearLayer VProj { get; }

    public LinearLayer CProj { get; }

    /// <summary>Pools an (N, C, H, W) map of H·W = spacialDim² positions, as upstream's, to (N, outputDim).</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[2] * x.shape[3] != SpacialDim * SpacialDim)
            throw new ArgumentException($"Expected an (N, C, H, W) feature map of {SpacialDim}x{SpacialDim} positions, got [{string.Join(", ", x.shape)}].", nameof(x));
        using var scope = NewDisposeScope();
        var batch = x.shape[0];
        var tokens = x.flatten(2).permute(0, 2, 1);
        tokens = cat([tokens.mean([1], keepdim: true), tokens], 1);
        tokens = tokens + PositionalEmbedding.to(tokens.dtype);

        // Only the mean token's output is kept, and attention rows are independent: query it alone.
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (positions, channels) = (tokens.shape[1], tokens.shape[2]);
        var headDim = channels / _numHeads;
        var q = QProj.call(tokens[.., ..1]).view(batch, 1, _numHeads, headDim).transpose(1, 2);
        var k = KProj.call(tokens).view(batch, positions, _numHeads, headDim).transpose(1, 2);
        var v = VProj.call(tokens).view(batch, positions, _numHeads, headDim).transpose(1, 2);
        using var scale = Math.Sqrt(headDim).ToScalar();
        var attention = BatchedMatmul.Of(q.div(scale), k.transpose(-2, -1)).softmax(-1);
        var pooled = BatchedMatmul.Of(attention, v).transpose(1, 2).reshape(batch, channels);
        return CProj.call(pooled).MoveToOuterDisposeScope();
    }
}
