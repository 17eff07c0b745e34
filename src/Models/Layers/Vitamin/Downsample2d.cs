using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// The shortcut of a stride-2 MBConv block: 3x3 stride-2 average pooling (padding 1, padded
/// positions not counted), then a 1x1 conv <c>expand</c> when the width changes.
/// </summary>
public sealed class Downsample2d : ExplicitModule<Tensor, Tensor>
{
    public Downsample2d(long inChannels, long outChannels) : base(nameof(Downsample2d))
    {
        if (inChannels != outChannels)
        {
            Expand = nn.Conv2d(inChannels, outChannels, kernel_size: 1);
            register_module("expand", Expand);
        }
    }

    /// <summary>The 1x1 conv, or null when the width stays the same.</summary>
    public Conv2d? Expand { get; }

    public override Tensor forward(Tensor x)
    {
        var pooled = nn.functional.avg_pool2d(x, [3, 3], stride: [2, 2], padding: [1, 1], count_include_pad: false);
        if (Expand is null)
            return pooled;
        using (pooled)
            return Expand.call(pooled);
    }
}
