using ModelGen.Models.Layers.Vitamin;

namespace ModelGen.Models.Tests.Vitamin;

/// <summary>Values of Vision-RWKV's fancy initialisation, worked out by hand from upstream's formulas.</summary>
public sealed class RwkvFancyInitTests
{
    [Fact]
    public void Spatial_mix_of_the_first_layer()
    {
        using var mix = new SpatialMix(channels: 5, layerId: 0, layerCount: 4);

        // Decay exponent 0.7 + 1.3 * 0 = 0.7 across c / (C - 1) = 0, 0.25, ..., 1.
        var decay = mix.SpatialDecay.data<float>().ToArray();
        for (var c = 0; c < 5; c++)
            Assert.Equal(-5 + 8 * Math.Pow(c / 4.0, 0.7), decay[c], 5);
        var log03 = (float)Math.Log(0.3);
        Assert.Equal([log03, log03 + 0.5f, log03 - 0.5f, log03, log03 + 0.5f], mix.SpatialFirst.data<float>().ToArray());
        Assert.Equal(0.6, mix.SpatialMixK.data<float>()[3], 6);
        Assert.Equal(0.6, mix.SpatialMixV.data<float>()[3], 6);
        Assert.Equal(Math.Sqrt(0.4), mix.SpatialMixR.data<float>()[2], 6);
    }

    [Fact]
    public void Spatial_and_channel_mix_of_the_last_layer()
    {
        using var mix = new SpatialMix(channels: 5, layerId: 3, layerCount: 4);
        using var channelMix = new ChannelMix(channels: 5, hiddenChannels: 10, layerId: 3, layerCount: 4);

        // Decay exponent 0.7 + 1.3 = 2; mixes use the exponent 1 - 3/4 = 0.25; v adds 0.3.
        Assert.Equal(-5 + 8 * 0.25, mix.SpatialDecay.data<float>()[2], 5);
        Assert.Equal(Math.Pow(0.4, 0.25) + 0.3, mix.SpatialMixV.data<float>()[2], 6);
        Assert.Equal(Math.Pow(0.4, 0.125), mix.SpatialMixR.data<float>()[2], 6);
        Assert.Equal(Math.Pow(0.6, 0.25), channelMix.SpatialMixK.data<float>()[3], 6);
        Assert.Equal(Math.Pow(0.6, 0.25), channelMix.SpatialMixR.data<float>()[3], 6);
    }
}
