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
    public void The_widest_supported_instructions_are_the_default()
    {
        using var attention = new SamAttention(dim: 128, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 16);
        var expected = Avx512F.IsSupported ? FusedAttentionInstructions.Avx512
            : Avx2.IsSupported && Fma.IsSupported ? FusedAttentionInstructions.Avx2
            : (FusedAttentionInstructions?)null;
        Assert.Equal(expected, FusedAttentionKernel.Best);
        Assert.Equal(expected, attention.KernelInstructions);
    }

    [Fact]
    public void Avx512_Exp2_is_within_two_float32_epsilons_over_the_softmax_range_and_clamps_below_it()
    {
        if (!Avx512F.IsSupported)
            return; // without AVX-512 that kernel never runs (The_kernel_is_used_only_where_it_applies)
        AssertExp2(x => Avx512AttentionGroup.Exp2(Vector512.Create(x)).ToScalar());
        var lanes = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * 0.37f - Vector512.Create(3f);
        var y = Avx512AttentionGroup.Exp2(lanes);
        for (var lane = 0; lane < 16; lane++)
            Assert.Equal(Avx512AttentionGroup.Exp2(Vector512.Create(lanes.GetElement(lane))).ToScalar(), y.GetElement(lane));
    }

    [Fact]
    public void Avx2_Exp2_is_within_two_float32_epsilons_over_the_softmax_range_and_clamps_below_it()
    {
        if (!FusedAttentionKernel.IsSupported(FusedAttentionInstructions.Avx2))
            return;
        AssertExp2(x => Avx2AttentionGroup.Exp2(Vector256.Create(x)).ToScalar());
        var lanes = Vector256.Create(0f, 1, 2, 3, 4, 5, 6, 7) * 1.37f - Vector256.Create(7f);
        var y = Avx2AttentionGroup.Exp2(lanes);
        for (var lane = 0; lane < 8; lane++)
            Assert.Equal(Avx2AttentionGroup.Exp2(Vector256.Create(lanes.GetElement(lane))).ToScalar(), y.GetElement(lane));
    }

    [Fact]
    public void Each_instruction_sets_groups_and_work_items_fit_the_kernels_scratch_and_tiles()
    {
        AssertFits<Avx2AttentionGroup>();
        AssertFits<Avx512AttentionGroup>();
    }

    private static void AssertFits<TGroup>() where TGroup : struct, IFusedAttentionGroup
    {
        Assert.InRange(TGroup.Rows, 1, FusedAttentionKernel.MaxRows);
        Assert.InRange(TGroup.QueriesPerItem, TGroup.Rows, FusedAttentionKernel.MaxQueriesPerItem);
        Assert.Equal(0, TGroup.QueriesPerItem % TGroup.Rows);
        Assert.Equal(0, FusedAttentionKernel.KeysPerTile % TGroup.PackedColumn);
        Assert.Equal(0, FusedAttentionKernel.HeadDim % TGroup.PackedColumn);
        Assert.Equal(0, TGroup.PackedColumn % 8); // the packing moves eight floats at a time within a column
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

    /// <summary>2^x within 2 x 2^-23 relative over [-125, 8] (the kernel's range after its clamp), and 2^-125 far below.</summary>
    private static void AssertExp2(Func<float, float> exp2)
    {
        var worst = 0.0;
        for (var x = -125f; x < 8f; x += 0.001953125f)
        {
            var expected = Math.Pow(2, x);
            worst = Math.Max(worst, Math.Abs(exp2(x) - expected) / (expected * Math.Pow(2, -23)));
        }
        Assert.True(worst <= 2, $"worst relative error {worst:F2} x 2^-23");
        Assert.Equal(MathF.Pow(2, -125), exp2(-1e30f));
    }
}
