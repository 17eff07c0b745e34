using ModelGen.Models.Layers.Vitamin;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class TokenShiftMixTests
{
    [Theory]
    [InlineData(2, 5, 7, 384)] // VRWKV's quarters of 96 channels: whole vectors
    [InlineData(1, 4, 3, 10)] // quarters of 2, 3, 2, 3 channels: no whole vector
    [InlineData(1, 3, 4, 45)] // vectors and a remainder in every quarter, 1 channel left unshifted
    [InlineData(2, 1, 1, 40)] // every shift leaves the map: zeros enter everywhere
    [InlineData(1, 2, 6, 3)] // a quarter of no channels
    public void Without_autograd_the_kernel_gives_the_lerps_of_the_shifted_map(int batch, int height, int width, int channels)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = randn(batch, height, width, channels);
        // Weights on both sides of 0.5 and outside [0, 1], which take the lerp's two formulas, shaped as upstream's
        // parameters and as vectors.
        var mixes = new[] { rand(1, 1, channels), (rand(channels) * 3 - 1).view(1, 1, channels), full(channels, 0.5f) };
        using var noGrad = no_grad();
        Assert.Equal(CpuHasFma(), Layers.Vitamin.TokenShiftMixKernel.Applies(x, mixes));

        var mixed = TokenShiftMix.Apply(x, mixes);

        using var shifted = QShift.Apply(x);
        for (var i = 0; i < mixes.Length; i++)
        {
            var expected = shifted.lerp(x, mixes[i]);
            Assert.Equal(expected.data<float>().ToArray(), mixed[i].data<float>().ToArray());
        }
    }

    [Fact]
    public void The_spatial_and_channel_mixes_parameters_take_the_kernel_without_autograd()
    {
        using var scope = NewDisposeScope();
        using var spatial = new SpatialMix(16, layerId: 0, layerCount: 2);
        using var channel = new ChannelMix(16, 32, layerId: 1, layerCount: 2);
        var x = randn(1, 3, 4, 16);

        using (no_grad())
        {
            Assert.Equal(CpuHasFma(), Layers.Vitamin.TokenShiftMixKernel.Applies(x, [spatial.SpatialMixK, spatial.SpatialMixV, spatial.SpatialMixR]));
            Assert.Equal(CpuHasFma(), Layers.Vitamin.TokenShiftMixKernel.Applies(x, [channel.SpatialMixK, channel.SpatialMixR]));
        }
    }

    [Fact]
    public void With_autograd_the_gradients_reach_the_map_and_the_weights()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 4, 8, ScalarType.Float64).requires_grad_();
        var mix = rand(8, ScalarType.Float64).requires_grad_();

        var mixed = TokenShiftMix.Apply(x, mix)[0];
        mixed.sum().backward();

        using var noGrad = no_grad();
        Assert.True(mixed.allclose(QShift.Apply(x).lerp(x, mix)));
        Assert.NotNull(x.grad);
        Assert.True(mix.grad!.allclose((x - QShift.Apply(x)).sum([0, 1, 2])));
    }

    private static bool CpuHasFma() => System.Runtime.Intrinsics.X86.Fma.IsSupported;
}
