using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// timm's and PyTorch's <c>trunc_normal_</c>: values from N(mean, std²) restricted to [a, b], drawn by the inverse of the
/// normal CDF on a uniform sample of [Φ(a), Φ(b)], then clamped to [a, b]. TorchSharp 0.107's
/// <c>nn.init.trunc_normal_</c> cannot be used: called with std 0.02 it filled every element with 0.02 (and, for
/// some seeds, one with NaN).
/// </summary>
public static class TruncatedNormal
{
    /// <summary>Fills <paramref name="tensor"/> in place and returns it.</summary>
    public static Tensor Fill(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std > 0) || !(a < b))
            throw new ArgumentException($"A truncated normal needs std > 0 and a < b, got std {std}, a {a}, b {b}.");
        using var noGrad = no_grad();
        var (low, high) = (2 * NormalCdf((a - mean) / std) - 1, 2 * NormalCdf((b - mean) / std) - 1);
        using var scale = (std * Math.Sqrt(2)).ToScalar();
        using var shift = mean.ToScalar();
        using var min = a.ToScalar();
        using var max = b.ToScalar();
        tensor.uniform_(low, high).erfinv_().mul_(scale).add_(shift).clamp_(min, max);
        return tensor;
    }

    /// <summary>Φ(x) = (1 + erf(x / √2)) / 2, with LibTorch's float64 erf on the CPU (.NET has none; models may be built on the meta device).</summary>
    private static double NormalCdf(double x)
    {
        using var value = tensor(x / Math.Sqrt(2), ScalarType.Float64, CPU);
        using var erf = value.erf();
        return (1 + erf.item<double>()) / 2;
    }
}
