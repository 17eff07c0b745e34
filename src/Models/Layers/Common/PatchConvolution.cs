using ModelGen.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// A patchifying convolution (stride equal to the kernel, no padding or dilation, one group), as SAM's patch
/// embedding, OpenCLIP's ViT <c>conv1</c> and mmdet's <c>PatchEmbed</c> use it, returned as NHWC.
/// </summary>
/// <remarks>
/// On the CPU in bfloat16 and float16 it is computed as the product of each flattened patch with the flattened kernel
/// instead of with LibTorch's <c>conv2d</c>. In bfloat16, LibTorch 2.10's oneDNN convolutions on AMX (Sapphire Rapids)
/// return wrong results for some channel counts, a relative error near 1 for 16 input channels and a 4 × 4 kernel; in
/// float16, its CPU convolution is a slow path, 7.7 s for SAM's patch embedding at 1024² against 0.13 s as a product
/// (docs/performance.md, "Known gaps"). Other devices and dtypes keep <c>conv2d</c>. The product does not call the
/// module, so its forward hooks do not run then; <see cref="FlopCounter"/> counts the product as the convolution.
/// </remarks>
public static class PatchConvolution
{
    /// <summary>Applies <paramref name="convolution"/> to NCHW <paramref name="images"/>; the result is NHWC.</summary>
    public static Tensor Nhwc(Conv2d convolution, Tensor images)
    {
        RequirePatchifying(convolution);
        if (!ComputedAsProduct(images))
        {
            using var projected = convolution.call(images);
            return projected.permute(0, 2, 3, 1);
        }

        return AsProduct(images, convolution.weight!, convolution.bias);
    }

    /// <summary>Whether <see cref="Nhwc"/> takes the product of the flattened patches rather than <c>conv2d</c>.</summary>
    public static bool ComputedAsProduct(Tensor images) =>
        images.device_type == DeviceType.CPU && images.dtype is ScalarType.BFloat16 or ScalarType.Float16;

    private static void RequirePatchifying(Conv2d convolution)
    {
        var unpadded = convolution.padding is { } padding && padding.All(p => p == 0);
        if (!convolution.stride.SequenceEqual(convolution.kernel_size) || !unpadded
            || convolution.dilation.Any(d => d != 1) || convolution.groups != 1)
        {
            throw new ArgumentException(
                "A patch convolution has its stride equal to its kernel, no padding or dilation and one group; this one " +
                $"has kernel [{string.Join(", ", convolution.kernel_size)}], stride [{string.Join(", ", convolution.stride)}], " +
                $"padding [{string.Join(", ", convolution.padding ?? [])}], dilation [{string.Join(", ", convolution.dilation)}] " +
                $"and {convolution.groups} groups.",
                nameof(convolution));
        }
    }

    /// <summary>
    /// The convolution as a product: each kernel-sized patch, flattened channel-major as the kernel is, times the
    /// flattened kernel. Rows and columns that do not fill a patch are dropped, as <c>conv2d</c> drops them.
    /// </summary>
    internal static Tensor AsProduct(Tensor images, Tensor weight, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var (batch, channels) = (images.shape[0], images.shape[1]);
        var (kernelH, kernelW) = (weight.shape[2], weight.shape[3]);
        var (rows, columns) = (images.shape[2] / kernelH, images.shape[3] / kernelW);
        var tiled = images.shape[2] == rows * kernelH && images.shape[3] == columns * kernelW
            ? images
            : images.narrow(2, 0, rows * kernelH).narrow(3, 0, columns * kernelW);
        var patches = tiled
            .reshape(batch, channels, rows, kernelH, columns, kernelW)
            .permute(0, 2, 4, 1, 3, 5)
            .reshape(batch, rows, columns, channels * kernelH * kernelW);
        var product = nn.functional.linear(patches, weight.reshape(weight.shape[0], -1), bias);
        FlopCounter.Add(FlopKind.Convolution, product.numel() * patches.shape[^1]);
        return product.MoveToOuterDisposeScope();
    }
}
