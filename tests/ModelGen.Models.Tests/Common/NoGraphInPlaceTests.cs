using ModelGen.Models.Layers.Common;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class NoGraphInPlaceTests
{
    private static Tensor ExactGelu(Tensor x) => x * 0.5 * (1 + special.erf(x / Math.Sqrt(2)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gelu_of_a_channels_last_map_keeps_its_order_and_runs_in_place_without_a_graph(bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var nchw = randn(2, 24, 5, 7) * 3;
        var expected = ExactGelu(nchw.to(ScalarType.Float64));
        var map = channelsLast ? ChannelsLast.Of(nchw) : nchw.clone();
        using var noGrad = no_grad();

        var y = NoGraphInPlace.Gelu(map);

        Assert.True(map.to(ScalarType.Float64).allclose(expected, rtol: 1e-6, atol: 1e-6));
        Assert.Equal(channelsLast, y.permute(0, 2, 3, 1).is_contiguous());
        Assert.Equal(nchw.shape, y.shape);
        Assert.True(y.to(ScalarType.Float64).allclose(expected, rtol: 1e-6, atol: 1e-6));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gelu_of_a_channels_last_map_under_autograd_keeps_its_input_and_its_gradient(bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var nchw = (randn(2, 24, 5, 7) * 3).requires_grad_();
        var map = channelsLast ? ChannelsLast.Of(nchw) : nchw * 1;
        var before = map.detach().clone();

        var y = NoGraphInPlace.Gelu(map);
        var weights = randn(2, 24, 5, 7);
        (y * weights).sum().backward();

        Assert.True(map.detach().allclose(before, rtol: 0, atol: 0));
        Assert.Equal(channelsLast, y.permute(0, 2, 3, 1).is_contiguous());
        var x64 = nchw.detach().to(ScalarType.Float64).requires_grad_();
        (ExactGelu(x64) * weights.to(ScalarType.Float64)).sum().backward();
        Assert.True(y.detach().to(ScalarType.Float64).allclose(ExactGelu(x64.detach()), rtol: 1e-6, atol: 1e-6));
        Assert.True(nchw.grad!.to(ScalarType.Float64).allclose(x64.grad!, rtol: 1e-5, atol: 1e-5));
    }
}
