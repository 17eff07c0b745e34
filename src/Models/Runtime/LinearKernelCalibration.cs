using System.Diagnostics;
using static TorchSharp.torch;

namespace ModelGen.Models.Runtime;

/// <summary>
/// The measurement behind <see cref="LinearKernel.Auto"/>: a float32 product of 4096 rows from 384 to 768 features
/// (VITAMIN-S's and SAM's token counts, about 2.4 GFLOP), through each kernel in turn, four times; the fastest of each.
/// </summary>
/// <param name="BlasSeconds">The fastest product through LibTorch's <c>linear</c>.</param>
/// <param name="OneDnnSeconds">The fastest through oneDNN's 1x1 convolution.</param>
public sealed record LinearKernelCalibration(double BlasSeconds, double OneDnnSeconds)
{
    private const int Rows = 4096;
    private const int InFeatures = 384;
    private const int OutFeatures = 768;
    private const int Rounds = 4;

    /// <summary>oneDNN where it was at least 10 % faster, else the BLAS.</summary>
    public LinearKernel Choice => LinearKernels.OneDnnFaster(BlasSeconds, OneDnnSeconds) ? LinearKernel.OneDnn : LinearKernel.Blas;

    internal static LinearKernelCalibration Measure()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Device and dtype spelled out: both defaults are process-wide, and another thread may have changed them.
        var generator = new Generator(0);
        var x = randn([Rows, InFeatures], ScalarType.Float32, CPU, generator: generator);
        var weight = randn([OutFeatures, InFeatures], ScalarType.Float32, CPU, generator: generator);
        var bias = zeros(OutFeatures, ScalarType.Float32, CPU);
        var (blas, oneDnn) = (double.MaxValue, double.MaxValue);
        // Alternated, so that both kernels meet the same phases of a shared machine.
        for (var round = 0; round < Rounds; round++)
        {
            blas = Math.Min(blas, Seconds(() => nn.functional.linear(x, weight, bias)));
            oneDnn = Math.Min(oneDnn, Seconds(() => LinearKernels.OneDnnLinear(x, weight, bias)));
        }
        return new(blas, oneDnn);
    }

    private static double Seconds(Func<Tensor> product)
    {
        var stopwatch = Stopwatch.StartNew();
        product().Dispose();
        return stopwatch.Elapsed.TotalSeconds;
    }
}
