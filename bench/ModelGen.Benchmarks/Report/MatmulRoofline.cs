using System.Diagnostics;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Report;

/// <summary>The float32 GFLOP/s of LibTorch's matrix product on this machine: the roofline the dense layers are held to.</summary>
internal static class MatmulRoofline
{
    /// <summary>The median GFLOP/s (2 FLOPs per multiply-add) of <paramref name="repeats"/> n×n by n×n products after one warm-up.</summary>
    public static double Measure(int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(n, n, generator: new Generator(1));
        var b = randn(n, n, generator: new Generator(2));
        var rates = new List<double>();
        for (var run = 0; run <= repeats; run++)
        {
            var watch = Stopwatch.StartNew();
            using (a.mm(b))
                watch.Stop();
            if (run > 0)
                rates.Add(2.0 * n * n * n / watch.Elapsed.TotalSeconds / 1e9);
        }
        return rates.Order().ElementAt(rates.Count / 2);
    }
}
