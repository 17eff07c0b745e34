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
        using var model = @case.CreateBackbone(variant);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        @case.AssertOutputsMatch(outputs, input);
    }

    /// <summary>kernel_output.* evaluate every Bi-WKV call like the upstream CUDA kernel; they use the case-level atol.</summary>
    [Theory]
    [InlineData("vitamin/vitamin_tiny_rwkv", "VitaminTinyRwkvFixture")]
    [InlineData("vitamin/vitamin_micro_mbconv_rwkv", "VitaminMicroMbconvRwkv")]
    [InlineData("vitamin/vitamin_micro_rwkv_trans", "VitaminMicroRwkvTrans")]
    public void Forward_in_upstream_kernel_mode_reproduces_the_kernel_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        var spatialMixes = model.Module.modules().OfType<SpatialMix>().ToList();
        Assert.NotEmpty(spatialMixes);
        foreach (var mix in spatialMixes)
            mix.Mode = BiWkvMode.UpstreamKernel;

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        @case.AssertOutputsMatch(outputs, input, "kernel_output", @case.Sidecar.RootElement.GetProperty("atol").GetDouble());
    }

    /// <summary>Each stride-2 step rounds up, and the 4x4 position embedding is resized bicubically to the 5x7 token grid.</summary>
    [Fact]
    public void Forward_accepts_an_image_size_that_is_not_native_nor_a_multiple_of_16()
    {
        using var @case = FixtureCase.Load("vitamin/vitamin_tiny_rwkv");
        using var model = @case.CreateBackbone("VitaminTinyRwkvFixture");

        using var _ = no_grad();
        using var input = randn(1, 3, 72, 100, generator: new TorchSharp.torch.Generator(7));
        using var outputs = model.Forward(input);

        long[][] expected = [[1, 32, 18, 25], [1, 64, 9, 13], [1, 192, 5, 7], [1, 192, 5, 7]];
        Assert.Equal(expected.Length, outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
        {
            Assert.Equal(expected[i], outputs[i].shape);
            Assert.True(outputs[i].isfinite().all().item<bool>(), $"output.{i} has non-finite values");
        }
    }
}
