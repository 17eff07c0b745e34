using ModelGen.Models.Layers.Common;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's token-shift mixes on an NHWC token map: for each weight vector, <c>x * mix + q_shift(x) * (1 - mix)</c>
/// (<see cref="QShift"/> with its default quarter and shift), as upstream's spatial and channel mixes compute their
/// inputs. When autograd records nothing, <see cref="TokenShiftMixKernel"/> computes them on the CPU in one pass.
/// </summary>
public static class TokenShiftMix
{
    public static Tensor[] Apply(Tensor x, params Tensor[] mixes)
    {
        if (!NoGraphInPlace.Records(x) && !mixes.Any(NoGraphInPlace.Records) && TokenShiftMixKernel.Applies(x, mixes))
            return TokenShiftMixKernel.Run(x, mixes, QShift.QuarterBounds(x.shape[3], QShift.QuarterFraction));
        using var shifted = QShift.Apply(x);
        // lerp: x * mix + shifted * (1 - mix), in one pass.
        return [.. mixes.Select(mix => shifted.lerp(x, mix))];
    }
}
