using ModelGen.Models.Layers.OpenClip;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.OpenClip;

public sealed class OpenClipFixtureTests
{
    [Theory]
    [InlineData("clip/clip_rn_tiny", "ClipRnTiny")]
    [InlineData("clip/clip_vit_tiny", "ClipViTTiny")]
    [InlineData("clip/clip_vit_tiny_quickgelu", "ClipViTTinyQuickGelu")]
    public void Forward_reproduces_the_upstream_stage_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        @case.AssertOutputsMatch(outputs, input);
    }

    [Theory]
    [InlineData("clip/clip_rn_tiny", "ClipRnTiny")]
    [InlineData("clip/clip_vit_tiny", "ClipViTTiny")]
    [InlineData("clip/clip_vit_tiny_quickgelu", "ClipViTTinyQuickGelu")]
    public void Embed_reproduces_the_upstream_image_embedding(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);

        using var input = @case.Read("input_native");
        using var _ = no_grad();
        using var embedding = ((IClipImageEncoder)model).Embed(input);

        using var expected = @case.Read("embedding");
        TensorAssert.Close(expected, embedding, @case.Atol("embedding"), @case.Rtol, $"{fixture} embedding");
    }
}
