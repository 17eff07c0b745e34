using System.Diagnostics;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Report;

/// <summary>
/// The float32 GFLOP/s of LibTorch's two matrix products on this machine (see <see cref="LinearKernels"/>): the BLAS
/// behind <c>mm</c>, and oneDNN's 1x1 convolution. The roofline the dense layers are held to is the faster.
/// </summary>
internal sealed record MatmulRoofline(double BlasGflops, double OneDnnGflops)
{
    public double Best => Math.Max(BlasGflops, OneDnnGflops);

    /// <summary>The median GFLOP/s (2 FLOPs per multiply-add) of <paramref name="repeats"/> n×n by n×n products after one warm-up, each kernel in turn.</summary>
    public static MatmulRoofline Measure(int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(n, n, generator: new Generator(1));
        var b = randn(n, n, generator: new Generator(2));
        var (blas, oneDnn) = (new List<double>(), new List<double>());
        for (var run = 0; run <= repeats; run++)
        {
            var blasSeconds = Seconds(() => a.mm(b));
            // x·Wᵀ with W = bᵀ: the same product.
            var oneDnnSeconds = Seconds(() => LinearKernels.OneDnnLinear(a, b, null));
            if (run == 0)
                continue;
            blas.Add(2.0 * n * n * n / blasSeconds / 1e9);
            oneDnn.Add(2.0 * n * n * n / oneDnnSeconds / 1e9);
        }
        return new(Median(blas), Median(oneDnn));
    }

    public override string ToString() => FormattableString.Invariant($"{Best:F1} GFLOP/s (BLAS {BlasGflops:F1}, oneDNN {OneDnnGflops:F1})");

    private static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);

    private static double Seconds(Func<Tensor> product)
    {
        var watch = Stopwatch.StartNew();
        using (product())
            return watch.Elapsed.TotalSeconds;
    }
}
