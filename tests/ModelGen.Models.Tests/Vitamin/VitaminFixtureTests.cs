using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Vitamin;
using ModelGen.Models.Operators;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class VitaminFixtureTests
{
    [Theory]
    [InlineData("vitamin/vitamin_tiny_rwkv", "VitaminTinyRwkvFixture")]
    [InlineData("vitamin/vitamin_micro_mbconv_rwkv", "VitaminMicroMbconvRwkv")]
    [InlineData("vitamin/vitamin_micro_rwkv_trans", "VitaminMicroRwkvTrans")]
    public void Forward_reproduces_the_upstream_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = ModelZoo.Create(variant);
        @case.LoadWeightsInto(model.Module);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        Assert.Equal(4, outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            using var expected = @case.Read($"output.{i}");
            TensorAssert.Close(expected, outputs[i], @case.Atol($"output.{i}"), @case.Rtol, $"{fixture} output.{i}");
            Assert.Equal(model.FeatureInfo[i].Channels, outputs[i].shape[1]);
            Assert.Equal(input.shape[2] / model.FeatureInfo[i].Reduction, outputs[i].shape[2]);
            Assert.Equal(input.shape[3] / model.FeatureInfo[i].Reduction, outputs[i].shape[3]);
        }
    }

    /// <summary>kernel_output.* evaluate every Bi-WKV call like the upstream CUDA kernel; they use the case-level atol.</summary>
    [Theory]
    [InlineData("vitamin/vitamin_tiny_rwkv", "VitaminTinyRwkvFixture")]
    [InlineData("vitamin/vitamin_micro_mbconv_rwkv", "VitaminMicroMbconvRwkv")]
    [InlineData("vitamin/vitamin_micro_rwkv_trans", "VitaminMicroRwkvTrans")]
    public void Forward_in_upstream_kernel_mode_reproduces_the_kernel_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = ModelZoo.Create(variant);
        @case.LoadWeightsInto(model.Module);
        var spatialMixes = model.Module.modules().OfType<SpatialMix>().ToList();
        Assert.NotEmpty(spatialMixes);
        foreach (var mix in spatialMixes)
            mix.Mode = BiWkvMode.UpstreamKernel;

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        var atol = @case.Sidecar.RootElement.GetProperty("atol").GetDouble();
        for (var i = 0; i < outputs.Count; i++)
        {
            using var expected = @case.Read($"kernel_output.{i}");
            TensorAssert.Close(expected, outputs[i], atol, @case.Rtol, $"{fixture} kernel_output.{i}");
        }
    }
}
