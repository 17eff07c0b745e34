using Xunit.Abstractions;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Testing;

/// <summary>
/// Collects elementwise comparisons <c>|actual - expected| &lt;= atol</c> (the fixtures' rule: no rtol), then fails once
/// with every violation, after logging the worst error / tolerance ratio of each kind of quantity.
/// </summary>
internal sealed class ToleranceReport(string name)
{
    private readonly List<string> _failures = [];
    private readonly Dictionary<string, (double Ratio, string What, double Error, double Atol)> _worst = [];

    public void Tensor(string kind, string what, Tensor expected, Tensor actual, double atol)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
        {
            _failures.Add($"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
            return;
        }
        using var scope = NewDisposeScope();
        var error = (actual.detach().to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        Record(kind, what, error, atol);
    }

    public void Scalar(string kind, string what, double expected, double actual, double atol) => Record(kind, what, Math.Abs(actual - expected), atol);

    /// <summary>Writes the worst ratio per kind and fails if any comparison exceeded its tolerance.</summary>
    public void AssertAll(ITestOutputHelper output)
    {
        foreach (var (kind, worst) in _worst.OrderBy(w => w.Key))
            output.WriteLine($"{name} {kind}: worst error/atol {worst.Ratio:G3} ({worst.What}: |error| {worst.Error:G3}, atol {worst.Atol:G3})");
        if (_failures.Count > 0)
            throw new XunitException($"{name}: {_failures.Count} comparisons out of tolerance:\n{string.Join("\n", _failures.Take(40))}");
    }

    private void Record(string kind, string what, double error, double atol)
    {
        var ratio = error / atol;
        if (!_worst.TryGetValue(kind, out var worst) || ratio > worst.Ratio || double.IsNaN(ratio))
            _worst[kind] = (ratio, what, error, atol);
        if (!(error <= atol))
            _failures.Add($"{what}: |error| {error:G3} > atol {atol:G3}");
    }
}
