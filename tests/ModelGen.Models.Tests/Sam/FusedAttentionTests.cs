using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class FusedAttentionTests
{
    /// <summary>
    /// The fused kernel in float32 against the blocked tensor operations in float64 on the same weights (the exact
    /// answer), with the float32 blocked operations' own error as the yardstick: the kernel may be at most a little
    /// further off than they are.
    /// </summary>
    [Theory]
    [InlineData(1, 8, 32, true, 1.0)] // grid rows of 32 keys: tiles of 64 keys span two rows
    [InlineData(2, 5, 16, true, 1.0)] // 80 keys: a last tile of 16
    [InlineData(1, 3, 48, true, 1.0)] // rows of 48 keys: vectors start inside tiles at every offset
    [InlineData(3, 14, 14, true, 1.0)] // SAM's windows: 196 keys, a last tile of 4, a last run of 4 queries
    [InlineData(1, 7, 5, true, 1.0)] // 35 tokens: part of one vector of keys, a last group of 3 queries
    [InlineData(2, 9, 13, false, 1.0)] // no relative positions, 117 tokens
    [InlineData(1, 16, 16, true, 12.0)] // scores in the hundreds: the running maximum is raised tile after tile
    [InlineData(3, 14, 14, true, 12.0)]
    public void The_fused_kernel_matches_the_exact_attention(int batch, int height, int width, bool useRelPos, double weightScale)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos, relPosSize: (height, width));
        using var _ = no_grad();
        attention.RelPosH?.normal_(0, 0.5);
        attention.RelPosW?.normal_(0, 0.5);
        attention.Qkv.weight!.mul_(weightScale);
        var x = randn(batch, height, width, 128);
        Assert.Equal(Avx512F.IsSupported, attention.UsesFusedKernel(x));

        var fused = attention.call(x);
        attention.FusedKernel = false;
        var blocked = attention.call(x);
        attention.to(ScalarType.Float64);
        var exact = attention.call(x.to(ScalarType.Float64));

        Assert.True(fused.isfinite().all().item<bool>());
        var blockedError = (blocked.to(ScalarType.Float64) - exact).abs().max().item<double>();
        var fusedError = (fused.to(ScalarType.Float64) - exact).abs().max().item<double>();
        var scale = exact.abs().max().item<double>();
        Assert.True(fusedError <= 4 * blockedError + 1e-6 * scale,
            $"fused error {fusedError:G3} against the blocked operations' {blockedError:G3} (outputs up to {scale:G3})");
    }

    [Fact]
    public void A_SAM_ViT_B_global_layer_matches_the_blocked_operations()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var attention = new SamAttention(dim: 768, numHeads: 12, qkvBias: true, useRelPos: true, relPosSize: 32);
        using var _ = no_grad();
        attention.RelPosH!.normal_(0, 0.5);
        attention.RelPosW!.normal_(0, 0.5);
        var x = randn(1, 32, 32, 768);
        Assert.Equal(Avx512F.IsSupported, attention.UsesFusedKernel(x));

        var fused = attention.call(x);
        attention.FusedKernel = false;
        var blocked = attention.call(x);

        TensorAssert.Close(blocked, fused, 2e-5, 1e-4, "output");
    }

    [Fact]
    public void The_kernel_is_used_only_where_it_applies()
    {
        using var scope = NewDisposeScope();
        var supported = Avx512F.IsSupported;
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 16);
        var x = randn(1, 16, 16, 128);

        Assert.False(attention.UsesFusedKernel(x)); // parameters that require gradients, with autograd on
        using (no_grad())
            Assert.Equal(supported, attention.UsesFusedKernel(x));
        foreach (var parameter in attention.parameters())
            parameter.requires_grad = false;
        Assert.Equal(supported, attention.UsesFusedKernel(x)); // a frozen layer
        Assert.False(attention.UsesFusedKernel(x.requires_grad_(true))); // an input that requires gradients
        Assert.False(attention.UsesFusedKernel(zeros(0, 16, 16, 128))); // nothing to attend
        attention.FusedKernel = false;
        Assert.False(attention.UsesFusedKernel(randn(1, 16, 16, 128)));

        using var _ = no_grad();
        using var otherGrid = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 17);
        Assert.False(otherGrid.UsesFusedKernel(randn(1, 17, 17, 128))); // rows of 17: neither layout
        using var narrowHeads = new SamAttention(dim: 128, numHeads: 4, qkvBias: true, useRelPos: true, relPosSize: 16);
        Assert.False(narrowHeads.UsesFusedKernel(randn(1, 16, 16, 128))); // head dimension 32
        using var inDouble = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 16);
        inDouble.to(ScalarType.Float64);
        Assert.False(inDouble.UsesFusedKernel(randn(1, 16, 16, 128, ScalarType.Float64)));
    }

    [Fact]
    public void The_fused_forward_counts_the_products_of_the_blocked_one()
    {
        using var scope = NewDisposeScope();
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 14);
        using var _ = no_grad();
        var x = randn(2, 14, 14, 128);
        Assert.Equal(Avx512F.IsSupported, attention.UsesFusedKernel(x));

        var fused = FlopCounter.Count(attention, x);
        attention.FusedKernel = false;
        var blocked = FlopCounter.Count(attention, x);

        Assert.Equal(blocked.ByKind, fused.ByKind);
        Assert.True(fused[FlopKind.AttentionMatmul] > 0);
    }

    [Fact]
    public void Exp2_is_within_two_float32_epsilons_over_the_softmax_range_and_clamps_below_it()
    {
        Assert.Equal(Avx512F.IsSupported, FusedAttentionKernel.IsSupported);
        if (!Avx512F.IsSupported)
            return; // without AVX-512 the kernel never runs (The_kernel_is_used_only_where_it_applies)
        var worst = 0.0;
        for (var start = -125f; start < 8f; start += 16 * 0.001953125f)
        {
            var x = Vector512.Create(start) + Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * Vector512.Create(0.001953125f);
            var y = FusedAttentionKernel.Exp2(x);
            for (var lane = 0; lane < 16; lane++)
            {
                var expected = Math.Pow(2, x.GetElement(lane));
                worst = Math.Max(worst, Math.Abs(y.GetElement(lane) - expected) / (expected * Math.Pow(2, -23)));
            }
        }
        Assert.True(worst <= 2, $"worst relative error {worst:F2} x 2^-23");
        Assert.Equal(MathF.Pow(2, -125), FusedAttentionKernel.Exp2(Vector512.Create(-1e30f)).GetElement(0));
    }
}
