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

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var mean = x.mean([1], keepdim: true);
        var centered = x - mean;
        var variance = centered.pow(2).mean([1], keepdim: true);
        var normalized = centered / (variance + _eps).sqrt();
        var result = normalized * Weight.view(1, -1, 1, 1) + Bias.view(1, -1, 1, 1);
        return result.MoveToOuterDisposeScope();
    }
}
