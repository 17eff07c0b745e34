using ModelGen.Models.Layers.Common;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamInputSizeTests
{
    [Fact]
    public void Inputs_of_another_size_resample_the_position_embedding_and_keep_the_patch_stride()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w14");
        using var model = new SamTinyW14();
        @case.LoadWeightsInto(model);

        using var _ = no_grad();
        using var input = randn(1, 3, 192, 320);
        using var outputs = model.Forward(input);

        Assert.Equal([1L, 64, 12, 20], outputs["layer1"].shape);
        Assert.Equal([1L, 32, 12, 20], outputs["neck"].shape);
        Assert.False(outputs["neck"].isnan().any().item<bool>());
    }

    [Fact]
    public void Position_embedding_is_resampled_bicubically_and_left_alone_at_the_native_grid()
    {
        using var embedding = randn(1, 4, 4, 8);
        using var native = AbsolutePositionEmbedding.ResampleNhwc(embedding, 4, 4);
        Assert.True(native.equal(embedding).all().item<bool>());

        using var resized = AbsolutePositionEmbedding.ResampleNhwc(embedding, 8, 6);
        using var expected = nn.functional.interpolate(embedding.permute(0, 3, 1, 2), [8, 6], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true).permute(0, 2, 3, 1);
        Assert.Equal([1L, 8, 6, 8], resized.shape);
        Assert.True(resized.allclose(expected));
    }

    [Fact]
    public void Sides_that_are_not_multiples_of_the_patch_are_floored_as_upstream_s_patch_embedding()
    {
        using var model = new SamTinyW14();
        using var _ = no_grad();
        using var input = randn(1, 3, 100, 143);
        using var cropped = input[.., .., ..96, ..128].contiguous();
        using var outputs = model.Forward(input);
        using var expected = model.Forward(cropped);

        Assert.Equal([1L, 32, 6, 8], outputs["neck"].shape);
        for (var i = 0; i < outputs.Count; i++)
            Assert.True(outputs[i].allclose(expected[i], rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void The_smallest_side_is_one_patch()
    {
        using var model = new SamTinyW14();
        using var _ = no_grad();
        using var smallest = randn(2, 3, 16, 31);
        using var outputs = model.Forward(smallest);
        Assert.Equal([2L, 32, 1, 1], outputs["neck"].shape);

        using var tooSmall = zeros(1, 3, 15, 64);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(tooSmall));
        Assert.Contains("SamTinyW14 needs image sides of at least 16 pixels, got 15x64", error.Message);
    }
}
