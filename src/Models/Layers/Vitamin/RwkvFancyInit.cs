using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's "fancy" initialisation of the spatial and channel mixes, which depends on the
/// layer's depth in the stack: decays spread from -5 to 3 across channels (steeper in deeper
/// layers), a zigzag bonus around log(0.3), and token-shift mixes that rise across channels.
/// Tensors are of the default dtype, like every other initialisation.
/// </summary>
public static class RwkvFancyInit
{
    /// <summary><c>-5 + 8 · (c / (C − 1))^(0.7 + 1.3 · layer / (layers − 1))</c> for each channel c.</summary>
    public static Tensor SpatialDecay(long channels, long layerId, long layerCount)
    {
        var ratio0To1 = layerCount > 1 ? (double)layerId / (layerCount - 1) : 0.0;
        var values = new double[channels];
        for (var c = 0; c < channels; c++)
            values[c] = -5 + 8 * Math.Pow(channels > 1 ? (double)c / (channels - 1) : 0.0, 0.7 + 1.3 * ratio0To1);
        return tensor(values, dtype: get_default_dtype());
    }

    /// <summary><c>log(0.3) + 0.5 · ((c + 1) mod 3 − 1)</c> for each channel c.</summary>
    public static Tensor SpatialFirst(long channels)
    {
        var values = new double[channels];
        for (var c = 0; c < channels; c++)
            values[c] = Math.Log(0.3) + 0.5 * ((c + 1) % 3 - 1);
        return tensor(values, dtype: get_default_dtype());
    }

    /// <summary>A (1, 1, C) token-shift mix <c>(c / C)^exponent + offset</c>.</summary>
    public static Tensor Mix(long channels, double exponent, double offset = 0)
    {
        var values = new double[channels];
        for (var c = 0; c < channels; c++)
            values[c] = Math.Pow((double)c / channels, exponent) + offset;
        return tensor(values, [1, 1, channels], dtype: get_default_dtype());
    }

    /// <summary>Upstream's <c>1 − layer / layers</c>: 1 for the first layer, almost 0 for the last.</summary>
    public static double RatioOneToAlmostZero(long layerId, long layerCount) => 1.0 - (double)layerId / layerCount;

    /// <summary>Upstream's <c>layer / (layers − 1)</c>: 0 for the first layer, 1 for the last.</summary>
    public static double RatioZeroToOne(long layerId, long layerCount) => layerCount > 1 ? (double)layerId / (layerCount - 1) : 0.0;
}
