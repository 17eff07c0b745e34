using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Runtime;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>A forward that cannot fit is refused before it starts, and a failing product is an exception, not the end of the process.</summary>
[Collection(NativeMemorySettingsCollection.Name)]
public sealed class ForwardMemoryTests : IDisposable
{
    // The estimates below are those of glibc's defaults, whatever another test of the process set.
    private readonly bool _keptFreedMemory = TensorMemory.KeepsFreedMemory;

    public ForwardMemoryTests() => TensorMemory.KeepsFreedMemory = false;

    public void Dispose() => TensorMemory.KeepsFreedMemory = _keptFreedMemory;

    [Theory]
    [InlineData("SamTinyW14", "sam-vit")]
    [InlineData("VitaminMicroRwkvTrans", "vitamin")]
    [InlineData("ClipViTTiny", "openclip-vit")]
    public void While_glibc_keeps_freed_memory_the_estimate_allows_for_its_heap(string variant, string family)
    {
        using var model = (BackboneModule)ModelZoo.Create(variant);
        using var images = zeros(1, 3, 64, 64);
        using var _ = no_grad();
        using (model.Forward(images))
        {
        }
        var defaults = model.LastPeakEstimate;

        TensorMemory.KeepsFreedMemory = true;
        using (model.Forward(images))
        {
        }

        Assert.Equal(ForwardMemoryCheck.For(family).KeptFreedMemory * defaults, model.LastPeakEstimate, 6);
    }

    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipViTTiny")]
    [InlineData("ClipRnTiny")]
    [InlineData("VitaminMicroRwkvTrans")]
    [InlineData("VitaminTinyRwkvFixture")]
    public void A_forward_whose_peak_cannot_fit_in_the_available_memory_is_refused_before_it_starts(string variant)
    {
        using var model = ModelZoo.Create(variant);
        // A 2x3x16384x16384 batch that takes no memory: one value, expanded.
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(2, 3, 16384, 16384);

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));
        Assert.StartsWith($"{variant} would need about ", error.Message);
        Assert.Contains("at the peak of its forward (", error.Message);
        Assert.Contains("for a 2x3x16384x16384 batch of Float32, but ", error.Message);
        Assert.EndsWith(" is available on cpu. Use a smaller image or batch.", error.Message);
    }

    [Theory]
    [InlineData("SamTinyW14", 64)]
    [InlineData("ClipViTTiny", 56)]
    [InlineData("ClipRnTiny", 64)]
    [InlineData("VitaminMicroRwkvTrans", 64)]
    public void At_the_limit_the_forward_runs_and_a_byte_below_it_is_refused(string variant, int side)
    {
        using var model = (BackboneModule)ModelZoo.Create(variant);
        using var images = zeros(2, 3, side, side);
        using var _ = no_grad();
        using (model.Forward(images))
        {
        }
        var need = (long)Math.Ceiling(model.LastPeakEstimate);
        Assert.InRange(need, 1L << 20, 1L << 31);

        model.MemoryLimitBytes = need;
        using (var outputs = model.Forward(images))
            Assert.Equal(2, outputs[0].shape[0]);

        model.MemoryLimitBytes = need - 1;
        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));
        Assert.Contains($"for a 2x3x{side}x{side} batch of Float32, but ", error.Message);
        Assert.Contains(" MiB is available on cpu.", error.Message);
    }

    [Fact]
    public void Global_attention_is_checked_with_its_maps_beside_the_activations()
    {
        using var model = (BackboneModule)ModelZoo.Create("SamTinyW14");
        foreach (var attention in model.modules().OfType<SamAttention>())
            attention.ScoresPerBlock = long.MaxValue;
        // 1024x1024: 4096 tokens of width 64 (activations about 64 MiB beside the fixed 256 MiB), maps of 4 heads of
        // 4096x4096 float32 (256 MiB each, in one block: 3.3 of them, beside 80 token maps of 1 MiB): the activations fit
        // in 512 MiB, the attention does not.
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(1, 3, 1024, 1024);
        model.MemoryLimitBytes = 512L << 20;

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));
        Assert.Equal(
            "SamTinyW14 would need about 1.2 GiB at the peak of its forward (3.3 x a block of the global attention scores (N·heads, T, T) [4, 4096, 4096], with its activations) " +
            "for a 1x3x1024x1024 batch of Float32, but 512 MiB is available on cpu. Use a smaller image or batch.", error.Message);
    }

    [Fact]
    public void Global_attention_in_blocks_is_checked_with_one_block_of_its_maps()
    {
        using var model = (BackboneModule)ModelZoo.Create("SamTinyW14");
        // 8192x8192: 512x512 tokens, maps of 4 heads of 262144² float32 (1 TiB), in blocks of 2^21 scores (8 rows of
        // 262144, 8 MiB): 3.3 x 8 MiB beside 80 x 64 MiB of activations and the fixed 256 MiB. The activations alone
        // (64 x 64 MiB and the fixed 256 MiB) fit in 5 GiB.
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(1, 3, 8192, 8192);
        model.MemoryLimitBytes = 5L << 30;

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));

        Assert.StartsWith("SamTinyW14 would need about 5.3 GiB at the peak of its forward (3.3 x a block of the global attention scores (N·heads, T, T) [4, 262144, 262144]", error.Message);
    }

    [Fact]
    public void Attention_through_scaled_dot_product_attention_is_checked_with_one_block_of_its_scores()
    {
        using var model = (BackboneModule)ModelZoo.Create("ClipViTTiny");
        // 1792x1792: 128x128 patches and the class token, maps of 4 heads of 16385² float32 (4 GiB): 2.2 of them would
        // be 9.4 GiB. LibTorch's kernel holds blocks of 256 x 512 scores per thread, so the need stays in MiB; a limit
        // a byte above the activations' need lets the entrance check pass and stops the forward at the attention's.
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(1, 3, 1792, 1792);
        model.MemoryLimitBytes = (long)ForwardMemoryCheck.ActivationBytes(model, images) + 1;

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));

        Assert.Contains("x a block of the attention scores (N, heads, T, T) [1, 4, 16385, 16385], with its activations)", error.Message);
        Assert.Matches(@"would need about \d+ MiB at the peak", error.Message);
    }

    [Fact]
    public void The_message_is_the_one_docs_errors_md_quotes()
    {
        using var model = (BackboneModule)ModelZoo.Create("SamVitB");
        using var pixel = zeros(1, 3, 1, 1);
        using var images = pixel.expand(1, 3, 1024, 1024);
        // The activations at the entrance (64 x 12 MiB beside the fixed 256 MiB) fit; a block of attention maps beside
        // 80 x 12 MiB does not.
        model.MemoryLimitBytes = 1L << 30;

        var error = Assert.Throws<InsufficientMemoryException>(() => model.Forward(images));
        var errors = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "errors.md"));
        Assert.Contains($"> `{error.Message}`", errors);
    }

    [Fact]
    public void The_need_is_compared_with_what_is_available()
    {
        using var images = zeros(1, 3, 4, 4);
        ForwardMemoryCheck.Require("Net", images, 1000, "its activations", availableBytes: 1000);
        ForwardMemoryCheck.Require("Net", images, 1e15, "its activations", availableBytes: null);

        var error = Assert.Throws<InsufficientMemoryException>(() =>
            ForwardMemoryCheck.Require("Net", images, 8.0 * (1L << 30), "its activations", availableBytes: 3L << 30));
        Assert.Equal("Net would need about 8.0 GiB at the peak of its forward (its activations) for a 1x3x4x4 batch of Float32, but 3.0 GiB is available on cpu. Use a smaller image or batch.", error.Message);
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
