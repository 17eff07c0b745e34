using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// ViTamin's pre-norm inverted bottleneck on an NCHW map: LayerNorm2d, 1x1 expand + GELU,
/// (strided) depthwise 3x3 + GELU, 1x1 project, plus the shortcut. Parameters <c>shortcut</c>
/// (only when it has weights), <c>pre_norm</c>, <c>conv1_1x1</c>, <c>conv2_kxk</c>, <c>conv3_1x1</c>.
/// </summary>
public class MbConvLNBlock : ExplicitModule<Tensor, Tensor>
{
    /// <param name="midChannels">The expanded width, timm's <c>make_divisible(outChannels * expand_ratio)</c>.</param>
    /// <param name="stride">1, or 2 to halve the map (the shortcut then pools).</param>
    public MbConvLNBlock(long inChannels, long outChannels, long stride, long midChannels, double normEps) : base(nameof(MbConvLNBlock))
    {
        if (stride == 2)
            Shortcut = new Downsample2d(inChannels, outChannels);
        else if (inChannels != outChannels)
            Shortcut = nn.Conv2d(inChannels, outChannels, kernel_size: 1);
        PreNorm = new LayerNorm2d(inChannels, normEps, isTorchLayerNorm: true);
        Conv1x1Expand = nn.Conv2d(inChannels, midChannels, kernel_size: 1);
        ConvDepthwise = nn.Conv2d(midChannels, midChannels, kernel_size: 3, stride: stride, padding: 1, groups: midChannels);
        Conv1x1Project = nn.Conv2d(midChannels, outChannels, kernel_size: 1);
        if (Shortcut is not null)
            register_module("shortcut", Shortcut);
        register_module("pre_norm", PreNorm);
        register_module("conv1_1x1", Conv1x1Expand);
        register_module("conv2_kxk", ConvDepthwise);
        register_module("conv3_1x1", Conv1x1Project);
        ConvFanOutInit.Apply(this);
    }

    /// <summary>The shortcut path, or null for the identity.</summary>
    public nn.Module<Tensor, Tensor>? Shortcut { get; }

    public LayerNorm2d PreNorm { get; }

    public Conv2d Conv1x1Expand { get; }

    public Conv2d ConvDepthwise { get; }

    public Conv2d Conv1x1Project { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shortcut = Shortcut is null ? x : Shortcut.call(x);
        var hidden = NoGraphInPlace.Gelu(Conv1x1Expand.call(PreNorm.call(x)));
        hidden = NoGraphInPlace.Gelu(ConvDepthwise.call(hidden));
        // In place even under autograd: a convolution's backward does not read its output, an addition's neither.
        return Conv1x1Project.call(hidden).add_(shortcut).MoveToOuterDisposeScope();
    }
}
