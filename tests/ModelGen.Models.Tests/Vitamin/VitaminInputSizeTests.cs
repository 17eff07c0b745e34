using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class VitaminInputSizeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 33)]
    [InlineData(64, 47)]
    public void Any_side_from_1_runs_and_each_stride_2_step_rounds_up_as_upstream_s(int height, int width)
    {
        using var model = new VitaminMicroRwkvMbconvFinal();
        using var _ = no_grad();
        using var images = randn(1, 3, height, width);
        using var outputs = model.Forward(images);

        for (var i = 0; i < outputs.Count; i++)
        {
            var reduction = (int)model.FeatureInfo[i].Reduction;
            var expected = new[] { 1L, model.FeatureInfo[i].Channels, (height + reduction - 1) / reduction, (width + reduction - 1) / reduction };
            Assert.Equal(expected, outputs[i].shape);
        }
    }

    /// <summary>The conv stages run on channels-last maps (NHWC strides); what the forward returns is plain NCHW.</summary>
    [Fact]
    public void Every_output_is_a_contiguous_NCHW_map()
    {
        using var model = new VitaminMicroRwkvMbconvFinal();
        using var _ = no_grad();
        using var images = randn(2, 3, 40, 56);
        using var outputs = model.Forward(images);

        foreach (var output in outputs)
            Assert.True(output.is_contiguous(), $"an output of shape [{string.Join(", ", output.shape)}] has strides [{string.Join(", ", output.stride())}]");
    }

    [Fact]
    public void An_empty_side_is_rejected()
    {
        using var model = new VitaminMicroRwkvMbconvFinal();
        using var images = zeros(1, 3, 0, 16);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("VitaminMicroRwkvMbconvFinal needs image sides of at least 1 pixel, got 0x16", error.Message);
    }
}
