using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// NCHW maps stored in NHWC memory order ("channels last"), for which TorchSharp 0.107 has no memory-format argument:
/// LibTorch reads the order from the strides, and its convolutions, pooling, normalisation over channels and
/// elementwise ops keep it. On the CPU, oneDNN then runs 1x1 and depthwise convolutions without reordering every map
/// between NCHW and its blocked layout.
/// </summary>
public static class ChannelsLast
{
    /// <summary>The map, logically NCHW, with NHWC strides (a copy unless it already has them).</summary>
    public static Tensor Of(Tensor nchw) => nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>
    /// The NHWC view of a 4-d map stored channels last, contiguous in LibTorch's default sense; null for any other
    /// tensor (the caller owns the view).
    /// </summary>
    public static Tensor? NhwcViewOf(Tensor map)
    {
        if (map.dim() != 4)
            return null;
        var nhwc = map.permute(0, 2, 3, 1);
        if (nhwc.is_contiguous())
            return nhwc;
        nhwc.Dispose();
        return null;
    }
}
