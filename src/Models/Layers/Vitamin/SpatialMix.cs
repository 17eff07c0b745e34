using ModelGen.Models.Layers.Common;
using ModelGen.Models.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// Vision-RWKV's VRWKV_SpatialMix (q_shift, no key norm) on an NHWC token map: token-shift mixes
/// feed key, value and receptance; the Bi-WKV operator with decay and bonus divided by the token
/// count mixes all tokens; the sigmoid receptance gates it. Parameters <c>spatial_decay</c>,
/// <c>spatial_first</c>, <c>spatial_mix_k/v/r</c>, <c>key</c>, <c>value</c>, <c>receptance</c>, <c>output</c>.
/// </summary>
public sealed class SpatialMix : ExplicitModule<Tensor, Tensor>
{
    /// <param name="layerId">The layer's index among <paramref name="layerCount"/> token layers, for upstream's depth-dependent initialisation.</param>
    public SpatialMix(long channels, long layerId, long layerCount) : base(nameof(SpatialMix))
    {
        var fromOne = RwkvFancyInit.RatioOneToAlmostZero(layerId, layerCount);
        register_parameter("spatial_decay", new Parameter(RwkvFancyInit.SpatialDecay(channels, layerId, layerCount)));
        register_parameter("spatial_first", new Parameter(RwkvFancyInit.SpatialFirst(channels)));
        register_parameter("spatial_mix_k", new Parameter(RwkvFancyInit.Mix(channels, fromOne)));
        register_parameter("spatial_mix_v", new Parameter(RwkvFancyInit.Mix(channels, fromOne, 0.3 * RwkvFancyInit.RatioZeroToOne(layerId, layerCount))));
        register_parameter("spatial_mix_r", new Parameter(RwkvFancyInit.Mix(channels, 0.5 * fromOne)));
        Key = new LinearLayer(channels, channels, hasBias: false);
        Value = new LinearLayer(channels, channels, hasBias: false);
        Receptance = new LinearLayer(channels, channels, hasBias: false);
        Output = new LinearLayer(channels, channels, hasBias: false);
        register_module("key", Key);
        register_module("value", Value);
        register_module("receptance", Receptance);
        register_module("output", Output);
    }

    public Parameter SpatialDecay => get_parameter("spatial_decay")!;

    public Parameter SpatialFirst => get_parameter("spatial_first")!;

    public Parameter SpatialMixK => get_parameter("spatial_mix_k")!;

    public Parameter SpatialMixV => get_parameter("spatial_mix_v")!;

    public Parameter SpatialMixR => get_parameter("spatial_mix_r")!;

    public LinearLayer Key { get; }

    public LinearLayer Value { get; }

    public LinearLayer Receptance { get; }

    public LinearLayer Output { get; }

    /// <summary>
    /// How the Bi-WKV operator is evaluated: the documented formula (default; CPU kernels on the CPU, tensor operations
    /// elsewhere), the formula as tensor operations on any device, or like the upstream CUDA kernel. The operator also
    /// takes care of dtypes (float16 and bfloat16 in float32).
    /// </summary>
    public BiWkvMode Mode { get; set; } = BiWkvMode.Formula;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (batch, channels) = (x.shape[0], x.shape[3]);
        var tokens = x.shape[1] * x.shape[2];
        var mixes = TokenShiftMix.Apply(x, SpatialMixK, SpatialMixV, SpatialMixR);
        var (xk, xv, xr) = (mixes[0], mixes[1], mixes[2]);
        var k = Key.call(xk).reshape(batch, tokens, channels);
        var v = Value.call(xv).reshape(batch, tokens, channels);
        using var tokenCount = tokens.ToScalar();
        var mixed = BiWkv.Apply(SpatialDecay / tokenCount, SpatialFirst / tokenCount, k, v, Mode).reshape(x.shape);
        return Output.call(NoGraphInPlace.SigmoidGate(Receptance.call(xr), mixed)).MoveToOuterDisposeScope();
    }
}
