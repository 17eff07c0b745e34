using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>LayerNorm over the channel axis of an NCHW map (SAM's and timm's LayerNorm2d): parameters <c>weight</c>, <c>bias</c>.</summary>
public sealed class LayerNorm2d : ExplicitModule<Tensor, Tensor>
{
    private readonly double _eps;

    /// <param name="isTorchLayerNorm">See <see cref="IsTorchLayerNorm"/>: true for timm's LayerNorm2d, false for segment-anything's.</param>
    public LayerNorm2d(long channels, double eps, bool isTorchLayerNorm = false) : base(nameof(LayerNorm2d))
    {
        _eps = eps;
        IsTorchLayerNorm = isTorchLayerNorm;
        register_parameter("weight", new Parameter(ones(channels)));
        register_parameter("bias", new Parameter(zeros(channels)));
    }

    public Parameter Weight => get_parameter("weight")!;

    public Parameter Bias => get_parameter("bias")!;

    /// <summary>
    /// Whether the upstream layer is a <c>torch.nn.LayerNorm</c> subclass (timm's LayerNorm2d / LayerNormAct2d, in
    /// VITAMIN) rather than a plain <c>nn.Module</c> (segment-anything's LayerNorm2d, in the SAM neck and OVSAM's
    /// necks). The maths is the same, but training recipes that single out norm layers by class (mmengine's
    /// <c>norm_decay_mult</c>) treat only the former as one.
    /// </summary>
    public bool IsTorchLayerNorm { get; }

    /// <remarks>
    /// A channels-last map (see <see cref="ChannelsLast"/>) is normalised as timm's LayerNorm2d does it: LibTorch's
    /// layer_norm over the last axis of its NHWC view, which reads the map twice and writes it once. Other maps take
    /// segment-anything's formula. There the variance is a reduction (the squared 2-norm over channels), which makes no
    /// map of squares, and when autograd records nothing the centred map is scaled in place, so the layer allocates one
    /// map instead of four. Both ways compute the same values.
    /// </remarks>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var channelsLast = ChannelsLast.NhwcViewOf(x);
        if (channelsLast is not null)
            return nn.functional.layer_norm(channelsLast, [x.shape[1]], Weight, Bias, _eps).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
        using var channels = x.shape[1].ToScalar();
        using var eps = _eps.ToScalar();
        var centered = x - x.mean([1], keepdim: true);
        // Tensor.norm hands p to LibTorch as a number; linalg.vector_norm would make a Scalar it never disposes.
        var variance = centered.norm(1, keepdim: true, p: 2).square().div_(channels);
        var inverseDeviation = variance.add(eps).rsqrt_();
        var result = NoGraphInPlace.Records(centered) || NoGraphInPlace.Records(Weight) || NoGraphInPlace.Records(Bias)
            ? centered * inverseDeviation * Weight.view(1, -1, 1, 1) + Bias.view(1, -1, 1, 1)
            : centered.mul_(inverseDeviation).mul_(Weight.view(1, -1, 1, 1)).add_(Bias.view(1, -1, 1, 1));
        return result.MoveToOuterDisposeScope();
    }
}
