using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's VRWKV_ChannelMix (q_shift, no key norm) on an NHWC token map:
/// <c>sigmoid(receptance(xr)) * value(relu(key(xk))²)</c>. Parameters <c>spatial_mix_k/r</c>,
/// <c>key</c>, <c>receptance</c>, <c>value</c>.
/// </summary>
public sealed class ChannelMix : ExplicitModule<Tensor, Tensor>
{
    /// <param name="hiddenChannels">Upstream's <c>hidden_rate * n_embd</c>.</param>
    /// <param name="layerId">The layer's index among <paramref name="layerCount"/> token layers, for upstream's depth-dependent initialisation.</param>
    public ChannelMix(long channels, long hiddenChannels, long layerId, long layerCount) : base(nameof(ChannelMix))
    {
        var fromOne = RwkvFancyInit.RatioOneToAlmostZero(layerId, layerCount);
        register_parameter("spatial_mix_k", new Parameter(RwkvFancyInit.Mix(channels, fromOne)));
        register_parameter("spatial_mix_r", new Parameter(RwkvFancyInit.Mix(channels, fromOne)));
        Key = new LinearLayer(channels, hiddenChannels, hasBias: false);
        Receptance = new LinearLayer(channels, channels, hasBias: false);
        Value = new LinearLayer(hiddenChannels, channels, hasBias: false);
        register_module("key", Key);
        register_module("receptance", Receptance);
        register_module("value", Value);
    }

    public Parameter SpatialMixK => get_parameter("spatial_mix_k")!;

    public Parameter SpatialMixR => get_parameter("spatial_mix_r")!;

    public LinearLayer Key { get; }

    public LinearLayer Receptance { get; }

    public LinearLayer Value { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var mixes = TokenShiftMix.Apply(x, SpatialMixK, SpatialMixR);
        var (xk, xr) = (mixes[0], mixes[1]);
        var hidden = NoGraphInPlace.ReluSquared(Key.call(xk));
        return NoGraphInPlace.SigmoidGate(Receptance.call(xr), Value.call(hidden)).MoveToOuterDisposeScope();
    }
}
