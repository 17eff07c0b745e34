using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Attention;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamFusedAttentionTests
{
    /// <summary>
    /// The fused kernel in float32 against the blocked tensor operations in float64 on the same weights (the exact
    /// answer), with the float32 blocked operations' own error as the yardstick: the kernel may be at most a little
    /// further off than they are.
    /// </summary>
    [Theory]
    [MemberData(nameof(Grids))]
    public void The_fused_kernel_matches_the_exact_attention(string instructions, int batch, int height, int width,
        bool useRelPos, double weightScale)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos, relPosSize: (height, width));
        using var _ = no_grad();
        attention.RelPosH?.normal_(0, 0.5);
        attention.RelPosW?.normal_(0, 0.5);
        attention.Qkv.Weight.mul_(weightScale);
        var x = randn(batch, height, width, 128);
        if (!Runs(attention, x, instructions))
            return;

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

    [Theory]
    [InlineData(nameof(FusedAttentionInstructions.Avx2))]
    [InlineData(nameof(FusedAttentionInstructions.Avx512))]
    public void A_SAM_ViT_B_global_layer_matches_the_blocked_operations(string instructions)
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var attention = new SamAttention(dim: 768, numHeads: 12, qkvBias: true, useRelPos: true, relPosSize: 32);
        using var _ = no_grad();
        attention.RelPosH!.normal_(0, 0.5);
        attention.RelPosW!.normal_(0, 0.5);
        var x = randn(1, 32, 32, 768);
        if (!Runs(attention, x, instructions))
            return;

        var fused = attention.call(x);
        attention.FusedKernel = false;
        var blocked = attention.call(x);

        TensorAssert.Close(blocked, fused, 2e-5, 1e-4, "output");
    }

    [Fact]
    public void The_kernel_is_used_only_where_it_applies()
    {
        using var scope = NewDisposeScope();
        var supported = FusedAttentionKernel.Best is not null;
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
        Assert.Equal(FusedAttentionKernel.Best is not null, attention.UsesFusedKernel(x));

        var fused = FlopCounter.Count(attention, x);
        attention.FusedKernel = false;
        var blocked = FlopCounter.Count(attention, x);

        Assert.Equal(blocked.ByKind, fused.ByKind);
        Assert.True(fused[FlopKind.AttentionMatmul] > 0);
    }

    [Fact]
    public void Its_default_instructions_are_the_kernels_widest_supported()
    {
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 16);
        Assert.Equal(FusedAttentionKernel.Best, attention.KernelInstructions);
    }

    public static TheoryData<string, int, int, int, bool, double> Grids()
    {
        var data = new TheoryData<string, int, int, int, bool, double>();
        foreach (var instructions in Enum.GetNames<FusedAttentionInstructions>())
        {
            data.Add(instructions, 1, 8, 32, true, 1.0); // grid rows of 32 keys: tiles of 64 keys span two rows
            data.Add(instructions, 2, 5, 16, true, 1.0); // 80 keys: a last tile of 16
            data.Add(instructions, 1, 3, 48, true, 1.0); // rows of 48 keys: vectors start inside tiles at every offset
            data.Add(instructions, 3, 14, 14, true, 1.0); // SAM's windows: 196 keys, a last tile of 4, a last run of 4 queries
            data.Add(instructions, 1, 7, 5, true, 1.0); // 35 tokens: part of one vector of keys, a last group of 5 queries
            data.Add(instructions, 1, 11, 11, true, 1.0); // 121 keys: a last vector of 9 keys, the second half of one partly missing
            data.Add(instructions, 2, 9, 13, false, 1.0); // no relative positions, 117 tokens
            data.Add(instructions, 1, 16, 16, true, 12.0); // scores in the hundreds: the running maximum is raised tile after tile
            data.Add(instructions, 3, 14, 14, true, 12.0);
        }
        return data;
    }

    /// <summary>
    /// Whether <paramref name="attention"/> runs the kernel on <paramref name="instructions"/> here (picked for it);
    /// where this CPU lacks them, asserts that the forward would not use the kernel.
    /// </summary>
    private static bool Runs(SamAttention attention, Tensor x, string instructions)
    {
        var chosen = Enum.Parse<FusedAttentionInstructions>(instructions);
        attention.KernelInstructions = chosen;
        var supported = FusedAttentionKernel.IsSupported(chosen);
        Assert.Equal(supported, attention.UsesFusedKernel(x));
        return supported;
    }
}
