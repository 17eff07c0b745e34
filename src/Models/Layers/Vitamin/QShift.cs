using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's <c>q_shift</c> on an NHWC token map: four channel quarters shifted by one
/// position right, left, down and up (zeros enter at the border); remaining channels unchanged.
/// </summary>
public static class QShift
{
    /// <summary>Quarter boundaries are <c>int(C * gamma * i)</c>, as upstream computes them.</summary>
    public static Tensor Apply(Tensor x, double gamma = 0.25, long shift = 1)
    {
        using var scope = NewDisposeScope();
        var (height, width, channels) = (x.shape[1], x.shape[2], x.shape[3]);
        var bounds = new long[6];
        for (var i = 1; i <= 4; i++)
            bounds[i] = (long)(channels * gamma * i);
        bounds[5] = channels;

        var parts = new List<Tensor>();
        for (var group = 0; group < 5; group++)
        {
            var length = bounds[group + 1] - bounds[group];
            if (length == 0)
                continue;
            var slice = x.narrow(3, bounds[group], length);
            parts.Add(group switch
            {
                0 => nn.functional.pad(slice, [0, 0, shift, 0]).narrow(2, 0, width),
                1 => nn.functional.pad(slice, [0, 0, 0, shift]).narrow(2, shift, width),
                2 => nn.functional.pad(slice, [0, 0, 0, 0, shift, 0]).narrow(1, 0, height),
                3 => nn.functional.pad(slice, [0, 0, 0, 0, 0, shift]).narrow(1, shift, height),
                _ => slice,
            });
        }
        return cat(parts, 3).MoveToOuterDisposeScope();
    }
}
