using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// The downsampling from the conv stages to the tokens: LayerNorm2d over the input channels, then
/// a 3x3 stride-2 conv (padding 1). Parameters <c>norm</c>, <c>proj</c>.
/// </summary>
public sealed class StridedConv : ExplicitModule<Tensor, Tensor>
{
    public StridedConv(long inChannels, long outChannels, double normEps) : base(nameof(StridedConv))
    {
        Proj = nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: 2, padding: 1);
        Norm = new LayerNorm2d(inChannels, normEps, isTorchLayerNorm: true);
        register_module("proj", Proj);
        register_module("norm", Norm);
    }

    public Conv2d Proj { get; }

    public LayerNorm2d Norm { get; }

    public override Tensor forward(Tensor x)
    {
        using var normed = Norm.call(x);
        return Proj.call(normed);
    }
}
