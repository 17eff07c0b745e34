using Xunit.Sdk;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Testing;

internal static class TensorAssert
{
    /// <summary>Fails unless |actual - expected| &lt;= atol + rtol * |expected| everywhere and the shapes agree.</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, double rtol, string what)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
            throw new XunitException($"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}].");

        using var scope = NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        var a = actual.detach().to(ScalarType.Float64).cpu();
        var error = (a - e).abs();
        var excess = error - (atol + rtol * e.abs());
        var worst = excess.argmax().item<long>();
        var worstExcess = excess.flatten()[worst].item<double>();
        if (double.IsNaN(worstExcess) || worstExcess > 0 || a.isnan().any().item<bool>())
            throw new XunitException(
                $"{what}: max |error| {error.max().item<double>():G4} exceeds atol {atol:G4} + rtol {rtol:G4}·|expected| " +
                $"(worst at flat index {worst}: expected {e.flatten()[worst].item<double>():G6}, got {a.flatten()[worst].item<double>():G6}).");
    }
}
