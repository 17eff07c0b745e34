using TorchSharp;
using ModelGen.Models.Layers.Common;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class LinearLayerTests
{
    [Fact]
    public void It_has_torchs_parameter_names_shapes_and_initial_ranges()
    {
        using var layer = new LinearLayer(400, 30);

        Assert.Equal(["weight", "bias"], layer.state_dict().Keys);
        Assert.Equal([30L, 400L], layer.Weight.shape);
        Assert.Equal([30L], layer.Bias!.shape);
        // Kaiming-uniform with a = √5 and the bias both draw from ±1/√in.
        var bound = 1 / Math.Sqrt(400);
        Assert.InRange(layer.Weight.abs().max().item<float>(), 0.9 * bound, bound);
        Assert.InRange(layer.Bias.abs().max().item<float>(), 0.5 * bound, bound);
        Assert.InRange(layer.Weight.std().item<float>(), 0.9 * bound / Math.Sqrt(3), 1.1 * bound / Math.Sqrt(3));
    }

    [Fact]
    public void Without_a_bias_it_has_only_a_weight()
    {
        using var layer = new LinearLayer(8, 4, hasBias: false);

        Assert.Equal(["weight"], layer.state_dict().Keys);
        Assert.Null(layer.Bias);
    }

    [Fact]
    public void It_computes_torchs_linear_and_follows_dtype_and_device_moves()
    {
        using var scope = NewDisposeScope();
        manual_seed(14);
        using var layer = new LinearLayer(24, 40);
        var x = randn(3, 300, 24);

        Assert.True(layer.call(x).allclose(nn.functional.linear(x, layer.Weight, layer.Bias), rtol: 1e-5, atol: 1e-5));
        layer.to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, layer.Weight.dtype);
        var x64 = x.to(ScalarType.Float64);
        Assert.True(layer.call(x64).allclose(nn.functional.linear(x64, layer.Weight, layer.Bias), rtol: 0, atol: 0));
    }
}
