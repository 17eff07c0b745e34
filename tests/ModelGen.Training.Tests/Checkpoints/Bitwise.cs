using Xunit.Sdk;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>Equality of the stored bits, not of values: -0 differs from 0 and NaNs are compared by payload.</summary>
internal static class Bitwise
{
    public static void Equal(double expected, double actual, string what)
    {
        if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(actual))
            throw new XunitException($"{what}: {actual:R}, expected {expected:R} bit for bit.");
    }

    public static void Equal(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.dtype == actual.dtype, $"{what}: dtype {actual.dtype}, expected {expected.dtype}.");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}].");
        using var e = expected.detach().cpu().contiguous();
        using var a = actual.detach().cpu().contiguous();
        if (!e.bytes.SequenceEqual(a.bytes))
        {
            using var differing = e.ne(a);
            throw new XunitException($"{what}: {differing.sum().item<long>()} of {e.numel()} elements differ.");
        }
    }
}
