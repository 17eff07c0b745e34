using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.OpenClip;

public sealed class OpenClipOptionTests
{
    [Fact]
    public void LayerScale_adds_gammas_and_at_one_keeps_the_upstream_outputs()
    {
        using var @case = FixtureCase.Load("clip/clip_vit_tiny");
        using var model = new ClipViTTinyLayerScale();
        var state = model.state_dict();
        Assert.Equal(new[] { 64L }, state["transformer.resblocks.1.ls_2.gamma"].shape);
        Assert.Equal(32 + 4, state.Count);

        var report = WeightLoader.Load(model, @case.Tensors, prefix: "weights.", strict: false);
        Assert.Equal(4, report.Missing.Count);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);
        for (var i = 0; i < outputs.Count; i++)
        {
            using var expected = @case.Read($"output.{i}");
            TensorAssert.Close(expected, outputs[i], @case.Atol($"output.{i}"), @case.Rtol, $"layer-scaled clip_vit_tiny output.{i}");
        }

        using var native = @case.Read("input_native");
        using var pooled = model.Embed(native);
        using var classToken = @case.Read("embedding");
        Assert.Equal(classToken.shape, pooled.shape);
        Assert.False(pooled.allclose(classToken, rtol: 1e-3, atol: 1e-3));
    }
}
