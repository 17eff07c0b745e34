using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Necks;

/// <summary>What the necks declare about their inputs and output, and how they treat their arguments and inputs.</summary>
public sealed class NeckBehaviourTests
{
    private static readonly int[] ClipChannels = [16, 32, 64, 128];

    [Fact]
    public void LastLayerNeck_returns_the_last_output_as_a_tensor_of_its_own()
    {
        using var neck = new LastLayerNeck();
        Assert.Equal(RwkvSamTinyStudent.Features[^1], neck.Output(RwkvSamTinyStudent.Features));

        using var first = randn(1, 8, 4, 4);
        var last = randn(1, 32, 2, 2);
        using var output = neck.Forward([first, last]);
        using var expected = last.clone();
        last.Dispose();
        Assert.Equal(expected.data<float>().ToArray(), output.data<float>().ToArray());
    }

    [Theory]
    [InlineData(1.0, 5, 16.0)]
    [InlineData(2.0, 10, 8.0)]
    [InlineData(0.5, 2, 32.0)]
    public void LastLayerProjNeck_rescales_by_its_scale_factor(double scaleFactor, long side, double reduction)
    {
        using var neck = new LastLayerProjNeck(32, 16, scaleFactor);
        using var unscaled = new LastLayerProjNeck(32, 16);
        unscaled.load_state_dict(neck.state_dict());
        Assert.Equal(new FeatureInfo("out_proj", 16, reduction), neck.Output(RwkvSamTinyStudent.Features));

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var features = new[] { randn(2, 16, 10, 10), randn(2, 32, 5, 5) };
        var output = neck.Forward(features);

        Assert.Equal([2, 16, side, side], output.shape);
        var expected = nn.functional.interpolate(unscaled.Forward(features), scale_factor: [scaleFactor, scaleFactor], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True(output.allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void MultiLayerTransformerNeck_reads_the_selected_levels_and_returns_stride_16()
    {
        using var all = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
        Assert.Equal(
            [new NeckInput(0, 16, 4), new NeckInput(1, 32, 8), new NeckInput(2, 64, 16), new NeckInput(3, 128, 32)],
            all.Inputs);
        Assert.Equal(new FeatureInfo("neck", 16, 16), all.Output(Sam2ClipTinyStudent.Features));

        using var two = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, layerIds: [1, 3]);
        Assert.Equal([new NeckInput(1, 32, 8), new NeckInput(3, 128, 32)], two.Inputs);
        Assert.Equal([2L, 32L], two.LevelEncoding.weight!.shape);
        Assert.DoesNotContain(two.state_dict().Keys, k => k.StartsWith("patch_embeds.0.", StringComparison.Ordinal) || k.StartsWith("patch_embeds.2.", StringComparison.Ordinal));

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = two.Forward([randn(1, 16, 16, 16), randn(1, 32, 8, 8), randn(1, 64, 4, 4), randn(1, 128, 2, 2)]);
        Assert.Equal([1L, 16, 4, 4], output.shape);
    }

    [Fact]
    public void MultiLayerTransformerNeck_sizes_the_global_block_for_a_non_square_input()
    {
        using var neck = new MultiLayerTransformerNeck((64, 128), ClipChannels, 32, 16);
        Assert.Equal([1L, 4, 8, 32], neck.PosEmbed.shape);
        Assert.Equal([7L, 2], neck.Blocks[4].Attn.RelPosH!.shape);
        Assert.Equal([15L, 2], neck.Blocks[4].Attn.RelPosW!.shape);
        Assert.Equal([27L, 2], neck.Blocks[0].Attn.RelPosW!.shape);

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = neck.Forward([randn(1, 16, 16, 32), randn(1, 32, 8, 16), randn(1, 64, 4, 8), randn(1, 128, 2, 4)]);
        Assert.Equal([1L, 16, 4, 8], output.shape);
    }

    [Fact]
    public void Unmet_requirements_are_reported_before_running()
    {
        using var transformer = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
        Assert.Equal(
            [
                "output 0 ('conv_stage1') has 8 channels, expected 16",
                "output 1 ('conv_stage2') has 16 channels, expected 32",
                "output 2 ('layer1') has 32 channels, expected 64",
                "output 3 ('final_norm') has 32 channels, expected 128",
                "output 3 ('final_norm') has stride 16, expected 32",
            ],
            transformer.Mismatches(RwkvSamTinyStudent.Features));
        Assert.Throws<ArgumentException>(() => transformer.Output(RwkvSamTinyStudent.Features));

        using var projection = new LastLayerProjNeck(128, 16);
        Assert.Empty(projection.Mismatches(Sam2ClipTinyStudent.Features));
        Assert.Equal(["output 3 ('final_norm') has 32 channels, expected 128"], projection.Mismatches(RwkvSamTinyStudent.Features));
        Assert.Equal(["it reads output ^1 but the backbone has 0"], projection.Mismatches([]));
    }

    [Fact]
    public void Forward_rejects_inputs_that_do_not_fit()
    {
        using var scope = NewDisposeScope();
        using var projection = new LastLayerProjNeck(32, 16);
        Assert.Throws<ArgumentException>(() => projection.Forward([randn(1, 31, 5, 5)]));
        Assert.Throws<ArgumentException>(() => projection.Forward([]));

        using var transformer = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
        Assert.Throws<ArgumentException>(() => transformer.Forward([randn(1, 16, 16, 16), randn(1, 32, 8, 8), randn(1, 64, 4, 4)]));
        var bigger = new[] { randn(1, 16, 24, 24), randn(1, 32, 12, 12), randn(1, 64, 6, 6), randn(1, 128, 3, 3) };
        Assert.Throws<ArgumentException>(() => transformer.Forward(bigger));
    }

    /// <summary>
    /// A 96-pixel input gives a 3x3 stride-32 level; mmdet's corner padding makes it 4x4, which the transposed
    /// convolution turns into 8x8 against a 6x6 grid: upstream fails too (its sidecar notes H/32 must be even).
    /// </summary>
    [Fact]
    public void MultiLayerTransformerNeck_rejects_an_odd_stride_32_grid_as_upstream_cannot_sum_it()
    {
        using var scope = NewDisposeScope();
        using var backbone = new Sam2ClipTinyStudent();
        using var neck = new MultiLayerTransformerNeck((96, 96), ClipChannels, 32, 16);
        using var _ = no_grad();
        using var features = backbone.Forward(randn(1, 3, 96, 96));

        var error = Assert.Throws<ArgumentException>(() => neck.Forward(features));
        Assert.Contains("backbone output 3 (stride 32) embeds to 8x8", error.Message);
    }

    [Fact]
    public void Fix_freezes_the_transformer_neck_and_keeps_it_in_eval_mode()
    {
        using var fixedNeck = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, fix: true);
        fixedNeck.train();
        Assert.False(fixedNeck.training);
        Assert.All(fixedNeck.modules(), m => Assert.False(m.training));
        Assert.All(fixedNeck.parameters(), p => Assert.False(p.requires_grad));

        using var trainable = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
        trainable.train();
        Assert.True(trainable.training);
        Assert.All(trainable.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Constructor_arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiLayerTransformerNeck((64, 64), ClipChannels, 24, 16));
        Assert.Throws<ArgumentException>(() => new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, strides: [4, 8, 12, 32]));
        Assert.Throws<ArgumentException>(() => new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, layerIds: [0, 4]));
        Assert.Throws<ArgumentException>(() => new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, layerIds: [1, 1]));
        using var wrongGrid = zeros(1, 5, 5, 32);
        Assert.Throws<ArgumentException>(() => new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16, posEmbed: wrongGrid));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LastLayerProjNeck(32, 16, scaleFactor: 0));
    }

    [Fact]
    public void Saved_weights_load_back_under_the_same_names()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neck-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var neck = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
            neck.SaveWeights(path);
            using var loaded = new MultiLayerTransformerNeck((64, 64), ClipChannels, 32, 16);
            loaded.LoadWeights(path);

            var expected = neck.state_dict();
            foreach (var (key, value) in loaded.state_dict())
                Assert.Equal(expected[key].data<float>().ToArray(), value.data<float>().ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
