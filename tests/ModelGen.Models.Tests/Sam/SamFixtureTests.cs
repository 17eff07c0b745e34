using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamFixtureTests
{
    [Theory]
    [InlineData("sam/sam_tiny_w14", "SamTinyW14")]
    [InlineData("sam/sam_tiny_w3", "SamTinyW3")]
    public void Forward_reproduces_the_upstream_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = ModelZoo.Create(variant);
        @case.LoadWeightsInto(model.Module);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        Assert.Equal(model.FeatureInfo.Count, outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            using var expected = @case.Read($"output.{i}");
            TensorAssert.Close(expected, outputs[i], @case.Atol($"output.{i}"), @case.Rtol, $"{fixture} output.{i}");
            Assert.Equal(model.FeatureInfo[i].Channels, outputs[i].shape[1]);
            Assert.Equal(input.shape[2] / model.FeatureInfo[i].Reduction, outputs[i].shape[2]);
        }
    }
}
