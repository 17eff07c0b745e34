using ModelGen.Models.Layers.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>OpenAI CLIP's sigmoid approximation of GELU, <c>x * sigmoid(1.702 x)</c>; no parameters.</summary>
public sealed class QuickGelu : ExplicitModule<Tensor, Tensor>
{
    public QuickGelu() : base(nameof(QuickGelu))
    {
    }

    public override Tensor forward(Tensor x)
    {
        using var factor = 1.702.ToScalar();
        using var scaled = x.mul(factor);
        using var gate = scaled.sigmoid();
        return x * gate;
    }
}
