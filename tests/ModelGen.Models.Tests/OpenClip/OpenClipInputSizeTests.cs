using ModelGen.Models.Layers.OpenClip;
using ModelGen.Models.OpenClip;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.OpenClip;

public sealed class OpenClipInputSizeTests
{
    [Fact]
    public void ResNet_stages_follow_a_non_native_non_square_input()
    {
        using var model = new OpenClipRN50();
        using var images = randn(1, 3, 256, 160);
        using var _ = no_grad();
        using var outputs = model.Forward(images);

        for (var i = 0; i < 4; i++)
        {
            var reduction = (long)model.FeatureInfo[i].Reduction;
            Assert.Equal(new[] { 1L, model.FeatureInfo[i].Channels, 256 / reduction, 160 / reduction }, outputs[i].shape);
        }
    }

    [Fact]
    public void ResNet_embedding_needs_the_native_size_of_its_attention_pool()
    {
        using var model = new OpenClipRN50();
        using var images = randn(1, 3, 256, 256);
        using var _ = no_grad();
        Assert.Throws<ArgumentException>(() => model.Embed(images));
    }

    [Fact]
    public void ViT_outputs_follow_a_non_native_non_square_input()
    {
        using var model = new OpenClipViTB16();
        using var images = randn(1, 3, 160, 240);
        using var _ = no_grad();
        using var outputs = model.Forward(images);
        using var embedding = model.Embed(images);

        Assert.Equal(new[] { 1L, 768, 40, 60 }, outputs["upsample4"].shape);
        Assert.Equal(new[] { 1L, 768, 20, 30 }, outputs["upsample2"].shape);
        Assert.Equal(new[] { 1L, 768, 10, 15 }, outputs["tokens"].shape);
        Assert.Equal(new[] { 1L, 768, 5, 7 }, outputs["downsample2"].shape);
        Assert.Equal(new[] { 1L, 512 }, embedding.shape);
    }

    [Fact]
    public void ViT_floors_sides_that_are_not_multiples_of_the_patch_as_upstream_s_patch_conv()
    {
        using var model = new ClipViTTiny();
        using var _ = no_grad();
        using var images = randn(1, 3, 41, 55);
        using var cropped = images[.., .., ..28, ..42].contiguous();
        using var outputs = model.Forward(images);
        using var expected = model.Forward(cropped);
        using var embedding = model.Embed(images);
        using var expectedEmbedding = model.Embed(cropped);

        Assert.Equal([1L, 64, 2, 3], outputs["tokens"].shape);
        for (var i = 0; i < outputs.Count; i++)
            Assert.True(outputs[i].allclose(expected[i], rtol: 0, atol: 1e-6));
        Assert.True(embedding.allclose(expectedEmbedding, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void ViT_forward_needs_two_patches_a_side_and_the_embedding_one()
    {
        using var model = new ClipViTTiny();
        using var _ = no_grad();
        using var twoPatches = randn(1, 3, 28, 41);
        using var onePatch = randn(1, 3, 14, 27);
        using var outputs = model.Forward(twoPatches);
        using var embedding = model.Embed(onePatch);
        Assert.Equal([1L, 64, 1, 1], outputs["downsample2"].shape);
        Assert.Equal([1L, 32], embedding.shape);

        var forwardError = Assert.Throws<ArgumentException>(() => model.Forward(onePatch));
        Assert.Contains("ClipViTTiny needs image sides of at least 28 pixels, got 14x27", forwardError.Message);
        using var tooSmall = zeros(1, 3, 13, 14);
        var embedError = Assert.Throws<ArgumentException>(() => model.Embed(tooSmall));
        Assert.Contains("at least 14 pixels, got 13x14", embedError.Message);
    }

    [Theory]
    [InlineData(31, 31)]
    [InlineData(65, 96)]
    [InlineData(100, 47)]
    [InlineData(127, 33)]
    public void ResNet_stages_floor_any_side_from_31_as_upstream_s(int height, int width)
    {
        using var model = new ClipRnTiny();
        using var _ = no_grad();
        using var images = randn(1, 3, height, width);
        using var outputs = model.Forward(images);

        // The stem's stride-2 conv rounds up, its average pool and each stage's round down.
        var (stemHeight, stemWidth) = ((height + 1) / 2 / 2, (width + 1) / 2 / 2);
        for (var i = 0; i < 4; i++)
            Assert.Equal([1L, model.FeatureInfo[i].Channels, stemHeight >> i, stemWidth >> i], outputs[i].shape);
    }

    [Fact]
    public void ResNet_rejects_sides_below_31_where_upstream_s_layer4_would_be_empty()
    {
        using var model = new ClipRnTiny();
        using var images = zeros(1, 3, 64, 30);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("ClipRnTiny needs image sides of at least 31 pixels, got 64x30", error.Message);
    }

    [Theory]
    [InlineData(63, 63)]
    [InlineData(94, 70)]
    [InlineData(31, 130)]
    public void ResNet_embedding_takes_every_size_whose_layer4_map_has_the_pool_s_positions(int height, int width)
    {
        using var model = new ClipRnTiny();
        using var _ = no_grad();
        using var images = randn(2, 3, height, width);
        using var embedding = model.Embed(images);
        Assert.Equal([2L, 32], embedding.shape);
    }

    [Theory]
    [InlineData(62, 64, "1x2")]
    [InlineData(95, 64, "3x2")]
    public void ResNet_embedding_rejects_other_sizes_naming_the_square_range(int height, int width, string map)
    {
        using var model = new ClipRnTiny();
        using var images = zeros(1, 3, height, width);
        var error = Assert.Throws<ArgumentException>(() => model.Embed(images));
        Assert.Contains("ClipRnTiny's attention pool has position embeddings for a 2x2 layer4 map (square images of sides 63-94)", error.Message);
        Assert.Contains($"a {height}x{width} image gives a {map} map", error.Message);
    }

    [Fact]
    public void Position_embedding_is_kept_on_the_native_grid_and_resampled_otherwise()
    {
        using var embedding = randn(5, 8);
        using var native = ClipPositionEmbedding.Resample(embedding, 2, 2);
        using var sameCount = ClipPositionEmbedding.Resample(embedding, 1, 4);
        using var larger = ClipPositionEmbedding.Resample(embedding, 3, 7);

        Assert.True(native.squeeze(0).allclose(embedding, rtol: 0, atol: 0));
        Assert.Equal(new[] { 1L, 5, 8 }, sameCount.shape);
        Assert.False(sameCount.squeeze(0).allclose(embedding));
        Assert.Equal(new[] { 1L, 22, 8 }, larger.shape);
        Assert.True(larger[0, 0].allclose(embedding[0], rtol: 0, atol: 0));
    }

    [Fact]
    public void A_single_spec_defines_a_ViT_B_32()
    {
        using var model = new UserViTB32();
        var state = model.state_dict();
        Assert.Equal(new[] { 50L, 768 }, state["positional_embedding"].shape);
        Assert.Equal(new[] { 768L, 3, 32, 32 }, state["conv1.weight"].shape);
        Assert.Equal(new[] { 8.0, 16.0, 32.0, 64.0 }, model.FeatureInfo.Select(f => f.Reduction));

        using var images = randn(1, 3, 224, 224);
        using var _ = no_grad();
        using var embedding = model.Embed(images);
        Assert.Equal(new[] { 1L, 512 }, embedding.shape);
    }

    [Fact]
    public void A_single_spec_defines_an_RN50x16_at_another_image_size()
    {
        using var model = new UserRN50x16At448();
        var state = model.state_dict();
        Assert.Equal(new[] { 14L * 14 + 1, 3072 }, state["attnpool.positional_embedding"].shape);
        Assert.Equal(new[] { 384, 768, 1536, 3072 }, model.FeatureInfo.Select(f => f.Channels));
    }
}
