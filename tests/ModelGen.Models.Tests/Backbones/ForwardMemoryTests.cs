using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>A forward that cannot fit is refused before it starts, and a failing product is an exception, not the end of the process.</summary>
public sealed class ForwardMemoryTests
{
    [Theory]
    [InlineData("SamTinyW14", "global attention scores (N·heads, T, T) [8, 1048576, 1048576] of Float32")]
    [InlineData("ClipViTTiny", "attention scores (N, heads, T, T) [2, 4, 1368901, 1368901] of Float32")]
    [InlineData("VitaminMicroRwkvTrans", "attention scores (N, heads, T, T) [2, 4, 1048576, 1048576] of Float32")]
    public void A_forward_whose_attention_scores_cannot_fit_is_refused_before_it_starts(string variant, string tensor)
    {
        using var model = ModelZoo.Create(variant);
        // A 2x3x16384x16384 batch that takes no memory: one value, expanded.
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(2, 3, 16384, 16384);

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));
        Assert.StartsWith($"{variant} would need ", error.Message);
        Assert.Contains($"for a single tensor, the {tensor}, for a 2x3x16384x16384 batch, but ", error.Message);
        Assert.Contains("GiB is available on cpu", error.Message);
    }

    [Fact]
    public void The_need_is_compared_with_what_is_available()
    {
        using var images = zeros(1, 3, 4, 4);
        ForwardMemoryCheck.Require("Net", images, "scores", [2, 8, 8], availableBytes: 2 * 8 * 8 * 4);
        ForwardMemoryCheck.Require("Net", images, "scores", [2, 8, 8], availableBytes: null);

        var error = Assert.Throws<InsufficientMemoryException>(() =>
            ForwardMemoryCheck.Require("Net", images, "scores", [2, 1 << 15, 1 << 15], availableBytes: 3L << 30));
        Assert.Equal("Net would need 8.0 GiB for a single tensor, the scores [2, 32768, 32768] of Float32, for a 1x3x4x4 batch, but 3.0 GiB is available on cpu. Use a smaller image or batch.", error.Message);
    }

    [Fact]
    public void Available_memory_is_known_for_the_cpu_on_linux_only()
    {
        Assert.Null(ForwardMemoryCheck.AvailableBytes(new Device(DeviceType.META)));
        if (OperatingSystem.IsLinux())
            Assert.InRange(ForwardMemoryCheck.AvailableBytes(CPU)!.Value, 1L << 20, long.MaxValue);
    }

    [Fact]
    public void Batched_products_equal_matmul_s()
    {
        using var left = randn(2, 3, 5, 4);
        using var right = randn(2, 3, 4, 6);
        using var expected = matmul(left, right);
        using var product = BatchedMatmul.Of(left, right.transpose(-2, -1).contiguous().transpose(-2, -1));
        Assert.Equal([2L, 3, 5, 6], product.shape);
        Assert.True(product.allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void A_failing_batched_product_is_an_exception()
    {
        // matmul would end the test process here (TorchSharp lets the LibTorch error escape as std::terminate).
        using var left = randn(2, 5, 4);
        using var right = randn(2, 3, 6);
        Assert.Throws<System.Runtime.InteropServices.ExternalException>(() => BatchedMatmul.Of(left, right));
    }
}
