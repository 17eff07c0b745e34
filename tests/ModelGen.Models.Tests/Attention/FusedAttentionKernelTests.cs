using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Layers.Attention;

namespace ModelGen.Models.Tests.Attention;

public sealed class FusedAttentionKernelTests
{
    [Fact]
    public void The_widest_supported_instructions_are_the_default()
    {
        var expected = Avx512F.IsSupported ? FusedAttentionInstructions.Avx512
            : Avx2.IsSupported && Fma.IsSupported ? FusedAttentionInstructions.Avx2
            : (FusedAttentionInstructions?)null;
        Assert.Equal(expected, FusedAttentionKernel.Best);
    }

    [Fact]
    public void Avx512_Exp2_is_within_two_float32_epsilons_over_the_softmax_range_and_clamps_below_it()
    {
        if (!Avx512F.IsSupported)
            return; // without AVX-512 that kernel never runs (SamFusedAttentionTests.The_kernel_is_used_only_where_it_applies)
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
