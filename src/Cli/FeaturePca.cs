using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>Shows a feature map as colours: its first three principal components over the positions, as red, green and blue.</summary>
internal static class FeaturePca
{
    /// <summary>
    /// The RGB bytes (row-major, 3 per position) of a <c>[C, h, w]</c> map: each position's features projected on
    /// the top three principal directions, each component stretched to 0–255 over the map. A map with fewer than
    /// three directions of variance leaves the missing components black.
    /// </summary>
    public static byte[] ToRgb(Tensor map)
    {
        using var scope = NewDisposeScope();
        var (channels, height, width) = (map.shape[0], map.shape[1], map.shape[2]);
        var positions = map.reshape(channels, height * width).t().to(float64);
        var centred = positions - positions.mean([0], keepdim: true);
        var (u, s, _) = linalg.svd(centred, fullMatrices: false);
        var count = Math.Min(3, s.shape[0]);
        var components = u[.., ..(int)count] * s[..(int)count];

        var rgb = new byte[3 * height * width];
        for (var k = 0; k < count; k++)
        {
            var component = components[.., k];
            var (low, high) = (component.min().item<double>(), component.max().item<double>());
            if (high - low <= 1e-12 * Math.Max(1, Math.Abs(high)))
                continue;
            var values = ((component - low) * (255 / (high - low))).round().to(ScalarType.Byte).data<byte>().ToArray();
            for (var i = 0; i < values.Length; i++)
                rgb[3 * i + k] = values[i];
        }
        return rgb;
    }
}
