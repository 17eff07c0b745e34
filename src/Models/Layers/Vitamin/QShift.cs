using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's <c>q_shift</c> on an NHWC token map: four channel quarters shifted by one
/// position right, left, down and up (zeros enter at the border); remaining channels unchanged.
/// </summary>
public static class QShift
{
    /// <summary>Upstream's shift_pixel gamma: each of the four shifted groups is a quarter of the channels.</summary>
    public const double QuarterFraction = 0.25;

    /// <summary>Quarter boundaries are <c>int(C * gamma * i)</c>, as upstream computes them.</summary>
    public static Tensor Apply(Tensor x, double gamma = QuarterFraction, long shift = 1)
    {
        using var scope = NewDisposeScope();
        var (height, width, channels) = (x.shape[1], x.shape[2], x.shape[3]);
        var bounds = QuarterBounds(channels, gamma);

        // One output written quarter by quarter (zeros where a shift leaves the map), rather than a padded copy of
        // each quarter and their concatenation.
        var shifted = zeros_like(x);
        for (var group = 0; group < 5; group++)
        {
            var length = bounds[group + 1] - bounds[group];
            var (dim, kept) = group < 2 ? (2, width - shift) : (1, height - shift);
            if (length == 0 || (group < 4 && kept <= 0))
                continue;
            var (source, target) = (x.narrow(3, bounds[group], length), shifted.narrow(3, bounds[group], length));
            var (from, to) = group switch
            {
                0 or 2 => (source.narrow(dim, 0, kept), target.narrow(dim, shift, kept)),
                1 or 3 => (source.narrow(dim, shift, kept), target.narrow(dim, 0, kept)),
                _ => (source, target),
            };
            to.copy_(from);
        }
        return shifted.MoveToOuterDisposeScope();
    }

    /// <summary>The first channels of the four shifted quarters and of the unshifted rest, then the channel count.</summary>
    internal static long[] QuarterBounds(long channels, double gamma)
    {
        var bounds = new long[6];
        for (var i = 1; i <= 4; i++)
            bounds[i] = (long)(channels * gamma * i);
        bounds[5] = channels;
        return bounds;
    }
}
