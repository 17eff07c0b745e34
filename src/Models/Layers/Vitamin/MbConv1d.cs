using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// An <see cref="MbConvLNBlock"/> (stride 1, same width) used as a token layer: it takes and
/// returns an NHWC token map. Parameter names are the block's own.
/// </summary>
public sealed class MbConv1d : MbConvLNBlock
{
    public MbConv1d(long channels, long midChannels, double normEps) : base(channels, channels, stride: 1, midChannels, normEps)
    {
    }

    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var map = base.forward(tokens.permute(0, 3, 1, 2).contiguous());
        return map.permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope();
    }
}
