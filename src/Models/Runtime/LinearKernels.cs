using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Runtime;

/// <summary>
/// How ModelGen's linear layers multiply on the CPU. LibTorch offers two float32 products: its <c>linear</c>, which
/// calls the BLAS it was built with, and oneDNN's convolution, which a 1x1 convolution over tokens laid out as a
/// channels-last map reaches (PyTorch's own compiler routes CPU linear layers to oneDNN too). Which is faster depends on
/// the processor. On the project's AMD EPYC VMs (2 cores, AVX-512), oneDNN ran 4096-token products of SAM's and
/// VITAMIN's shapes at 180-216 GFLOP/s against 118-171 for the BLAS, and their backward passes 1.2-1.3x faster; on the
/// Intel Xeon VMs the BLAS ran such products at 231-250 GFLOP/s.
/// </summary>
/// <remarks>
/// The oneDNN path is taken only on the CPU, for float32 tensors contiguous in memory, with at least
/// <see cref="MinimumRows"/> rows and one input feature: other devices, dtypes and layouts keep LibTorch's
/// <c>linear</c>. The two products may sum in different orders, so their results can differ by float32 rounding
/// (about 1e-6 relative).
/// </remarks>
public static class LinearKernels
{
    /// <summary>Products with fewer rows (tokens times batch) keep LibTorch's <c>linear</c>.</summary>
    public const long MinimumRows = 256;

    /// <summary>oneDNN is chosen by <see cref="LinearKernel.Auto"/> only when at least this much faster than the BLAS.</summary>
    private const double RequiredSpeedup = 1.1;

    private static readonly Lazy<LinearKernelCalibration> s_calibration = new(LinearKernelCalibration.Measure, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The kernel asked for: <see cref="LinearKernel.Auto"/> unless set. Process-wide.</summary>
    public static LinearKernel Requested { get; set; } = LinearKernel.Auto;

    /// <summary>
    /// The kernel that runs large float32 CPU products: <see cref="Requested"/>, or for <see cref="LinearKernel.Auto"/>
    /// the outcome of <see cref="Calibration"/> (measured at the first read).
    /// </summary>
    public static LinearKernel Effective => Requested == LinearKernel.Auto ? Calibration.Choice : Requested;

    /// <summary>The one measurement behind <see cref="LinearKernel.Auto"/>; taken at the first read.</summary>
    public static LinearKernelCalibration Calibration => s_calibration.Value;

    /// <summary><c>x · weightᵀ + bias</c> over the last axis of <paramref name="x"/>, as LibTorch's <c>linear</c>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (!TakesOneDnn(x, weight) || Effective != LinearKernel.OneDnn)
            return nn.functional.linear(x, weight, bias);
        return OneDnnLinear(x, weight, bias);
    }

    private static bool TakesOneDnn(Tensor x, Tensor weight) =>
        x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32
        && x.dim() >= 2 && x.shape[^1] > 0 && x.is_contiguous() && weight.is_contiguous()
        && x.numel() / x.shape[^1] >= MinimumRows;

    /// <summary>
    /// The rows as a (1, in, rows, 1) map in channels-last strides (the same memory), convolved with the weight as
    /// (out, in, 1, 1) kernels: the output's NHWC view is the (rows, out) product, contiguous.
    /// </summary>
    internal static Tensor OneDnnLinear(Tensor x, Tensor weight, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0]);
        var rows = x.numel() / inFeatures;
        var map = x.view(1, rows, 1, inFeatures).permute(0, 3, 1, 2);
        var product = nn.functional.conv2d(map, weight.view(outFeatures, inFeatures, 1, 1), bias);
        long[] shape = [.. x.shape[..^1], outFeatures];
        return product.permute(0, 2, 3, 1).reshape(shape).MoveToOuterDisposeScope();
    }

    internal static bool OneDnnFaster(double blasSeconds, double oneDnnSeconds) => oneDnnSeconds * RequiredSpeedup <= blasSeconds;
}
