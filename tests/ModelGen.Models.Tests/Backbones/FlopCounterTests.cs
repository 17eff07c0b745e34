using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Layers.Vitamin;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>Multiply-accumulates counted from small modules whose count follows by hand, and from whole variants on the meta device.</summary>
[Collection(MetaDeviceCollection.Name)]
public sealed class FlopCounterTests
{
    private static readonly Device Meta = new(DeviceType.META);

    [Fact]
    public void A_convolution_counts_output_elements_times_its_kernel_and_input_channels_per_group()
    {
        using var conv = nn.Conv2d(3, 8, kernel_size: 3, padding: 1);
        using var images = zeros(1, 3, 10, 10);
        // 8x10x10 outputs, each 3 channels x 3x3.
        Assert.Equal(800L * 3 * 9, FlopCounter.Count(conv, images)[FlopKind.Convolution]);

        using var grouped = nn.Conv2d(4, 8, kernel_size: 3, groups: 2);
        using var four = zeros(2, 4, 6, 6);
        // 2x8x4x4 outputs, each 2 channels of its group x 3x3.
        var count = FlopCounter.Count(grouped, four);
        Assert.Equal(256L * 2 * 9, count.TotalMacs);
        Assert.Equal((2L, 6L, 6L), (count.Batch, count.Height, count.Width));
        Assert.Equal(new Dictionary<FlopKind, long> { [FlopKind.Convolution] = 4608 }, count.ByKind);
        Assert.Equal("0.00 GMACs for 2 image(s) of 6x6 (Convolution 0.00)", count.ToString());
    }

    [Fact]
    public void A_transposed_convolution_counts_input_elements_times_its_kernel_and_output_channels()
    {
        using var up = nn.ConvTranspose2d(4, 6, kernel_size: 2, stride: 2);
        using var map = zeros(1, 4, 3, 3);
        var count = FlopCounter.Count(up, map);
        Assert.Equal(36L * 6 * 4, count[FlopKind.TransposedConvolution]);
        Assert.Equal(0, count[FlopKind.Convolution]);
    }

    [Fact]
    public void A_linear_layer_counts_output_elements_times_input_features()
    {
        using var linear = nn.Linear(5, 7);
        using var tokens = zeros(2, 3, 5);
        Assert.Equal(2L * 3 * 7 * 5, FlopCounter.Count(linear, tokens).TotalMacs);
    }

    [Fact]
    public void Attention_counts_its_projections_its_two_matmuls_and_its_relative_positions()
    {
        // 16 tokens of width 8, 2 heads of 4.
        using var plain = new SamAttention(dim: 8, numHeads: 2, qkvBias: true, useRelPos: false, relPosSize: 4);
        using var map = zeros(1, 4, 4, 8);
        var count = FlopCounter.Count(plain, map);
        Assert.Equal(16L * 24 * 8 + 16L * 8 * 8, count[FlopKind.Linear]);
        // q·kᵀ: 2 heads x 16x4 by 4x16; attn·v: 2 heads x 16x16 by 16x4.
        Assert.Equal(2L * 16 * 4 * 16 + 2L * 16 * 16 * 4, count[FlopKind.AttentionMatmul]);
        Assert.Equal(0, count[FlopKind.RelativePosition]);

        using var relative = new SamAttention(dim: 8, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 4);
        // Per head and query, 4 height and 4 width offsets of width 4.
        Assert.Equal(2L * 16 * (4 + 4) * 4, FlopCounter.Count(relative, map)[FlopKind.RelativePosition]);
    }

    [Fact]
    public void Spatial_mix_counts_its_four_projections_and_four_per_token_and_channel_of_bi_wkv()
    {
        using var mix = new SpatialMix(channels: 6, layerId: 0, layerCount: 2);
        using var map = zeros(2, 3, 5, 6);
        var count = FlopCounter.Count(mix, map);
        Assert.Equal(4L * 2 * 15 * 6 * 6, count[FlopKind.Linear]);
        Assert.Equal(4L * 2 * 15 * 6, count[FlopKind.BiWkv]);
    }

    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipViTTiny")]
    [InlineData("ClipRnTiny")]
    [InlineData("VitaminMicroRwkvTrans")]
    public void On_the_meta_device_the_count_is_the_cpu_forward_s(string variant)
    {
        var registration = ModelZoo.Describe(variant);
        var sizes = registration.InputSizes;
        FlopCount onCpu;
        using (var model = registration.Factory(null))
        using (var images = zeros(1, 3, sizes.NativeHeight, sizes.NativeWidth))
            onCpu = FlopCounter.Count((nn.Module<Tensor, BackboneOutput>)model.Module, images);

        var onMeta = registration.CountFlops();
        Assert.True(onCpu.TotalMacs > 0);
        Assert.Equal(onCpu.ByKind, onMeta.ByKind);
        Assert.Equal((1L, (long)sizes.NativeHeight, (long)sizes.NativeWidth), (onMeta.Batch, onMeta.Height, onMeta.Width));
    }

    [Fact]
    public void A_sam_vit_count_follows_from_its_shape()
    {
        // SamTinyW14: 256 px, patch 16 -> 16x16 tokens of 64, 4 heads of 16, MLP 256, windows of 14
        // (padded to 28x28: 4 windows of 196 tokens) at blocks 0 and 2, global at 1 and 3; neck to 32.
        const long tokens = 256, width = 64, mlp = 256, windowed = 4 * 196;
        long Block(long attended, long window) =>
            attended * 4 * width * width + 2 * tokens * width * mlp  // qkv (3C) and proj on the attended (padded) tokens, the MLP on the grid
            + 2 * attended * window * width                          // q·kᵀ and attn·v, over all heads
            + attended * 2 * (long)Math.Sqrt(window) * (width / 4) * 4;  // relative positions: per head, query, and h + w offsets
        var expected = tokens * width * 3 * 256                          // patch embedding, 16x16x3 per output
                       + 2 * Block(windowed, 196) + 2 * Block(tokens, tokens)
                       + tokens * 32 * width + tokens * 32 * 32 * 9;    // neck: 1x1 then 3x3
        Assert.Equal(expected, ModelZoo.Describe("SamTinyW14").CountFlops().TotalMacs);
    }

    [Fact]
    public void A_full_size_variant_is_counted_without_allocating_it()
    {
        var count = ModelZoo.Describe("SamVitH").CountFlops();
        Assert.Equal((1024L, 1024L), (count.Height, count.Width));
        // Far more than its 632M parameters x 4096 tokens would allow of memory: counted on meta.
        Assert.InRange(count.GigaMacs, 2000, 4000);
        Assert.Same(count, ModelZoo.Describe("SamVitH").CountFlops());
    }
}
