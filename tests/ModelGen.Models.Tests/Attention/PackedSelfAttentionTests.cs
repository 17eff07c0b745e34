using ModelGen.Models.Layers.Attention;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.OpenClip;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Layers.Vitamin;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Attention;

public sealed class PackedSelfAttentionTests
{
    /// <summary>Token counts below, off and above the kernel's 64-key tiles.</summary>
    public static TheoryData<long[]> MapShapes => new() { new long[] { 2, 7, 9 }, new long[] { 1, 5, 30 } };

    [Theory]
    [MemberData(nameof(MapShapes))]
    public void VITAMINs_attention_gives_the_same_values_through_the_fused_kernel(long[] map)
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var attention = new MultiheadSelfAttention(128, 2);
        var x = randn([.. map, 128]);

        AssertFusedMatchesLibTorch(attention, x, enable => attention.FusedKernel = enable, attention.Qkv.call(x).reshape(map[0], map[1] * map[2], 384));
    }

    [Fact]
    public void OpenCLIPs_attention_gives_the_same_values_through_the_fused_kernel()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        using var attention = new ClipMultiheadAttention(128, 2);
        var x = randn(2, 197, 128);

        AssertFusedMatchesLibTorch(attention, x, enable => attention.FusedKernel = enable,
            nn.functional.linear(x, attention.InProjWeight, attention.InProjBias));
    }

    [Fact]
    public void The_kernel_is_left_out_where_autograd_records_or_heads_are_not_64_wide()
    {
        using var scope = NewDisposeScope();
        var instructions = FusedAttentionKernel.Best;
        var qkv = randn(1, 50, 384);

        Assert.False(FusedAttention.AppliesWithoutPositions(qkv.requires_grad_(true), 2, instructions));
        Assert.False(FusedAttention.AppliesWithoutPositions(randn(1, 50, 288), 2, instructions));
        Assert.False(FusedAttention.AppliesWithoutPositions(randn(1, 50, 384, ScalarType.Float64), 2, instructions));
        using (no_grad())
            Assert.Equal(instructions is not null, FusedAttention.AppliesWithoutPositions(qkv, 2, instructions));
    }

    [Fact]
    public void Under_autograd_gradients_flow_through_LibTorchs_attention()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        using var attention = new MultiheadSelfAttention(128, 2);
        var x = randn([1, 4, 4, 128]).requires_grad_(true);

        attention.call(x).sum().backward();

        Assert.NotNull(x.grad);
        Assert.True(attention.Qkv.Weight.grad!.abs().sum().item<float>() > 0);
    }

    private static void AssertFusedMatchesLibTorch(nn.Module<Tensor, Tensor> attention, Tensor x, Action<bool> useFusedKernel, Tensor qkv)
    {
        using var noGrad = no_grad();
        Assert.Equal(FusedAttentionKernel.Best is not null, FusedAttention.AppliesWithoutPositions(qkv, 2, FusedAttentionKernel.Best));
        useFusedKernel(true);
        var fused = attention.call(x);
        useFusedKernel(false);
        var libTorch = attention.call(x);

        Assert.True(fused.allclose(libTorch, rtol: 1e-4, atol: 1e-5),
            $"largest difference {(fused - libTorch).abs().max().item<float>():E2}");
    }
}
