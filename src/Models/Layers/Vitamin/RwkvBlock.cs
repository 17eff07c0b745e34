using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// ViTamin's RWKV layer on an NHWC token map: pre-norm spatial mix and channel mix, each residual
/// scaled per channel. Parameters <c>layer_scale_1</c>, <c>layer_scale_2</c>, <c>norm1</c>, <c>norm2</c>, <c>attn</c>, <c>mlp</c>.
/// </summary>
public sealed class RwkvBlock : ExplicitModule<Tensor, Tensor>
{
    private const double LayerScaleInit = 1e-2;

    /// <param name="hiddenChannels">Width of the channel mix, upstream's <c>mlp_ratio * channels</c>.</param>
    /// <param name="layerId">The layer's index among <paramref name="layerCount"/> token layers (upstream's layer_id and total_layers).</param>
    public RwkvBlock(long channels, long hiddenChannels, double normEps, long layerId, long layerCount) : base(nameof(RwkvBlock))
    {
        using var init = LayerScaleInit.ToScalar();
        register_parameter("layer_scale_1", new Parameter(full(channels, init)));
        register_parameter("layer_scale_2", new Parameter(full(channels, init)));
        Norm1 = nn.LayerNorm(channels, eps: normEps);
        Norm2 = nn.LayerNorm(channels, eps: normEps);
        Attn = new SpatialMix(channels, layerId, layerCount);
        Mlp = new ChannelMix(channels, hiddenChannels, layerId, layerCount);
        register_module("norm1", Norm1);
        register_module("norm2", Norm2);
        register_module("attn", Attn);
        register_module("mlp", Mlp);
    }

    public Parameter LayerScale1 => get_parameter("layer_scale_1")!;

    public Parameter LayerScale2 => get_parameter("layer_scale_2")!;

    public LayerNorm Norm1 { get; }

    public LayerNorm Norm2 { get; }

    public SpatialMix Attn { get; }

    public ChannelMix Mlp { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var one = 1.ToScalar();
        var mixed = x.addcmul(LayerScale1, Attn.call(Norm1.call(x)), one);
        var channelMix = Mlp.call(Norm2.call(mixed));
        // mixed is this layer's own; without a graph nothing reads it again (norm2's backward would).
        return (NoGraphInPlace.Records(mixed) || NoGraphInPlace.Records(channelMix) || NoGraphInPlace.Records(LayerScale2)
            ? mixed.addcmul(LayerScale2, channelMix, one)
            : mixed.addcmul_(LayerScale2, channelMix, one)).MoveToOuterDisposeScope();
    }
}
