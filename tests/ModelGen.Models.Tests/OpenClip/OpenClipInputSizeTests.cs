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
    public void ViT_rejects_sides_that_are_not_multiples_of_the_patch()
    {
        using var model = new OpenClipViTB16();
        using var images = randn(1, 3, 224, 200);
        Assert.Throws<ArgumentException>(() => model.Forward(images));
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
