using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>
/// open_clip's <c>LayerNorm</c> over the last axis: computed in the input's dtype and cast back to it,
/// epsilon 1e-5. Parameters <c>weight</c>, <c>bias</c>.
/// </summary>
public sealed class ClipLayerNorm : ExplicitModule<Tensor, Tensor>
{
    private const double Eps = 1e-5;
    private readonly long[] _normalizedShape;

    public ClipLayerNorm(long dim) : base(nameof(ClipLayerNorm))
    {
        _normalizedShape = [dim];
        register_parameter("weight", new Parameter(ones(dim)));
        register_parameter("bias", new Parameter(zeros(dim)));
    }

    public Parameter Weight => get_parameter("weight")!;

    public Parameter Bias => get_parameter("bias")!;

    public override Tensor forward(Tensor x)
    {
        using var normalized = nn.functional.layer_norm(x, _normalizedShape, Weight, Bias, Eps);
        return normalized.to(x.dtype);
    }
}
