using ModelGen.Models.Layers.Common;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class LayerNorm2dTests
{
    /// <summary>segment-anything's formula, written out: (x - mean) / sqrt(biased variance + eps) * weight + bias over channels.</summary>
    private static Tensor Reference(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var mean = x.mean([1], keepdim: true);
        var variance = (x - mean).square().mean([1], keepdim: true);
        return (x - mean) / (variance + eps).sqrt() * weight.view(1, -1, 1, 1) + bias.view(1, -1, 1, 1);
    }

    private static LayerNorm2d Norm(long channels, double eps)
    {
        var norm = new LayerNorm2d(channels, eps, isTorchLayerNorm: true);
        using var _ = no_grad();
        norm.Weight.copy_(randn(channels, ScalarType.Float64).to(ScalarType.Float32));
        norm.Bias.copy_(randn(channels, ScalarType.Float64).to(ScalarType.Float32));
        return norm;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Both_memory_orders_normalise_over_channels(bool channelsLast, bool withGrad)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var norm = Norm(24, 1e-6);
        var nchw = (randn(2, 24, 5, 7) * 3 + 1).requires_grad_(withGrad);
        var input = channelsLast ? ChannelsLast.Of(nchw) : nchw;
        using var grad = withGrad ? null : no_grad();

        var y = norm.call(input);

        Assert.Equal(channelsLast, y.permute(0, 2, 3, 1).is_contiguous());
        var expected = Reference(nchw.detach().to(ScalarType.Float64), norm.Weight.detach().to(ScalarType.Float64),
            norm.Bias.detach().to(ScalarType.Float64), 1e-6);
        Assert.True(y.detach().to(ScalarType.Float64).allclose(expected, rtol: 1e-5, atol: 1e-5));
        if (!withGrad)
            return;
        var weights = randn(2, 24, 5, 7);
        (y * weights).sum().backward();
        var x64 = nchw.detach().to(ScalarType.Float64).requires_grad_();
        (Reference(x64, norm.Weight.detach().to(ScalarType.Float64), norm.Bias.detach().to(ScalarType.Float64), 1e-6)
            * weights.to(ScalarType.Float64)).sum().backward();
        Assert.True(nchw.grad!.to(ScalarType.Float64).allclose(x64.grad!, rtol: 1e-4, atol: 1e-4));
        Assert.NotNull(norm.Weight.grad);
    }
}
