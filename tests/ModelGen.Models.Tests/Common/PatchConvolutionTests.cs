using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.Sam;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class PatchConvolutionTests
{
    // The first four are shapes whose bfloat16 conv2d LibTorch 2.10 got wrong on Sapphire Rapids VMs (AMX), a relative
    // error of 0.5 to 1: mmdet's neck at its first level (16 channels, 4 × 4), and 24, 8 and 16 channels in
    // 4 × 4, 16 × 16 and 14 × 14 patches. The last is SAM's image patches, which it got right.
    [Theory]
    [MemberData(nameof(ReducedPrecisionShapes))]
    public void In_reduced_precision_on_the_cpu_it_computes_what_float32_does(ScalarType dtype, int channels, int patch, int side)
    {
        using var scope = NewDisposeScope();
        manual_seed(channels * 100 + patch);
        using var convolution = nn.Conv2d(channels, 96, kernel_size: patch, stride: patch);
        var images = randn(2, channels, side, side);
        // The float32 reference is given the rounded operands, so that only the product's rounding is compared.
        convolution.to(dtype);
        var reduced = images.to(dtype);
        Assert.True(PatchConvolution.ComputedAsProduct(reduced));
        var actual = PatchConvolution.Nhwc(convolution, reduced);
        convolution.to(ScalarType.Float32);
        var expected = nn.functional.conv2d(reduced.to(ScalarType.Float32), convolution.weight!, convolution.bias, strides: [patch, patch])
            .permute(0, 2, 3, 1);

        Assert.Equal(dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        var relativeError = (actual.to(ScalarType.Float32) - expected).norm().item<float>() / expected.norm().item<float>();
        // One rounding of each output is at most 2^-9 relative in bfloat16 (8 significant bits), 2^-12 in float16.
        Assert.InRange(relativeError, 0, dtype == ScalarType.BFloat16 ? 4e-3 : 5e-4);
    }

    public static TheoryData<ScalarType, int, int, int> ReducedPrecisionShapes()
    {
        var data = new TheoryData<ScalarType, int, int, int>();
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            data.Add(dtype, 16, 4, 64);
            data.Add(dtype, 24, 4, 32);
            data.Add(dtype, 8, 16, 128);
            data.Add(dtype, 16, 14, 56);
            data.Add(dtype, 3, 16, 64);
        }
        return data;
    }

    [Theory]
    [InlineData(64, 64, false)]
    [InlineData(70, 53, false)]
    [InlineData(64, 48, true)]
    public void The_product_of_the_flattened_patches_is_the_convolution(int height, int width, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(height + width);
        var weight = randn([32, 5, 16, 16], dtype: ScalarType.Float64, requires_grad: true);
        var bias = randn([32], dtype: ScalarType.Float64, requires_grad: true);
        var images = randn([2, 5, height, width], dtype: ScalarType.Float64);
        if (channelsLast)
        {
            images = ChannelsLast.Of(images);
        }

        var product = PatchConvolution.AsProduct(images, weight, bias);
        var (productWeightGrad, productBiasGrad) = Gradients(product, weight, bias);
        var convolution = nn.functional.conv2d(images, weight, bias, strides: [16, 16]).permute(0, 2, 3, 1);
        var (convolutionWeightGrad, convolutionBiasGrad) = Gradients(convolution, weight, bias);

        Assert.Equal(convolution.shape, product.shape);
        Assert.True(product.allclose(convolution, rtol: 1e-12, atol: 1e-12));
        Assert.True(productWeightGrad.allclose(convolutionWeightGrad, rtol: 1e-12, atol: 1e-12));
        Assert.True(productBiasGrad.allclose(convolutionBiasGrad, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void Other_dtypes_keep_libtorchs_convolution()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var convolution = nn.Conv2d(16, 64, kernel_size: 4, stride: 4);
        var images = randn(1, 16, 32, 32);

        Assert.False(PatchConvolution.ComputedAsProduct(images));
        Assert.False(PatchConvolution.ComputedAsProduct(images.to(ScalarType.Float64)));
        Assert.False(PatchConvolution.ComputedAsProduct(empty([1, 16, 32, 32], ScalarType.BFloat16, device: META)));
        var expected = convolution.call(images).permute(0, 2, 3, 1);
        Assert.True(PatchConvolution.Nhwc(convolution, images).allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void Counted_as_a_product_it_costs_what_the_convolution_does()
    {
        using var scope = NewDisposeScope();
        using var embedding = new SamPatchEmbed(inChans: 3, embedDim: 48, patchSize: 16);
        var images = randn(2, 3, 64, 80);
        var asConvolution = FlopCounter.Count(embedding, images);
        embedding.to(ScalarType.BFloat16);
        var asProduct = FlopCounter.Count(embedding, images.to(ScalarType.BFloat16));

        Assert.Equal(2L * 4 * 5 * 48 * 3 * 16 * 16, asConvolution[FlopKind.Convolution]);
        Assert.Equal(asConvolution[FlopKind.Convolution], asProduct[FlopKind.Convolution]);
        Assert.Equal(0L, asProduct[FlopKind.Linear]);
    }

    [Fact]
    public void A_convolution_that_does_not_patchify_is_refused()
    {
        using var overlapping = nn.Conv2d(3, 8, kernel_size: 4, stride: 2);
        using var padded = nn.Conv2d(3, 8, kernel_size: 4, stride: 4, padding: 1);
        using var grouped = nn.Conv2d(4, 8, kernel_size: 4, stride: 4, groups: 2);
        using var images = zeros(1, 4, 16, 16);

        var error = Assert.Throws<ArgumentException>(() => PatchConvolution.Nhwc(overlapping, images));
        Assert.Contains("kernel [4, 4], stride [2, 2]", error.Message);
        Assert.Throws<ArgumentException>(() => PatchConvolution.Nhwc(padded, images));
        Assert.Throws<ArgumentException>(() => PatchConvolution.Nhwc(grouped, images));
    }

    private static (Tensor Weight, Tensor Bias) Gradients(Tensor output, Tensor weight, Tensor bias)
    {
        using var cotangent = cos(arange(output.numel(), dtype: output.dtype)).view(output.shape);
        var grads = autograd.grad([output], [weight, bias], [cotangent]);
        return (grads[0], grads[1]);
    }
}
