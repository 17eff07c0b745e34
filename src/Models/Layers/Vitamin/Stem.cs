using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// ViTamin's stem: 3x3 stride-2 conv, LayerNorm2d + GELU, 3x3 conv (timm symmetric padding 1).
/// Parameters <c>conv1</c>, <c>norm1</c>, <c>conv2</c>.
/// </summary>
public sealed class Stem : ExplicitModule<Tensor, Tensor>
{
    public Stem(long inChannels, long outChannels, double normEps) : base(nameof(Stem))
    {
        Conv1 = nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: 2, padding: 1);
        Norm1 = new LayerNorm2d(outChannels, normEps, isTorchLayerNorm: true);
        Conv2 = nn.Conv2d(outChannels, outChannels, kernel_size: 3, stride: 1, padding: 1);
        register_module("conv1", Conv1);
        register_module("norm1", Norm1);
        register_module("conv2", Conv2);
        ConvFanOutInit.Apply(this);
    }

    public Conv2d Conv1 { get; }

    public LayerNorm2d Norm1 { get; }

    public Conv2d Conv2 { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = NoGraphInPlace.Gelu(Norm1.call(Conv1.call(x)));
        return Conv2.call(hidden).MoveToOuterDisposeScope();
    }
}
