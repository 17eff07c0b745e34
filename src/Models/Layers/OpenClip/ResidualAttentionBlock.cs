using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>
/// open_clip's pre-norm transformer block on batch-first tokens: <c>ln_1</c>, <c>attn</c>,
/// optional <c>ls_1</c>, <c>ln_2</c>, <c>mlp</c> (<c>c_fc</c>, activation, <c>c_proj</c>), optional <c>ls_2</c>.
/// </summary>
public sealed class ResidualAttentionBlock : ExplicitModule<Tensor, Tensor>
{
    /// <param name="quickGelu">QuickGELU (OpenAI weights) instead of exact GELU in the MLP.</param>
    /// <param name="layerScaleInit">The LayerScale initial value, or null for no LayerScale.</param>
    public ResidualAttentionBlock(long dim, long numHeads, long mlpDim, bool quickGelu, double? layerScaleInit)
        : base(nameof(ResidualAttentionBlock))
    {
        Ln1 = new ClipLayerNorm(dim);
        Attn = new ClipMultiheadAttention(dim, numHeads);
        Ln2 = new ClipLayerNorm(dim);
        Mlp = nn.Sequential(
            ("c_fc", new LinearLayer(dim, mlpDim)),
            ("gelu", quickGelu ? new QuickGelu() : nn.GELU()),
            ("c_proj", new LinearLayer(mlpDim, dim)));
        register_module("ln_1", Ln1);
        register_module("attn", Attn);
        register_module("ln_2", Ln2);
        register_module("mlp", Mlp);
        if (layerScaleInit is double init)
        {
            Ls1 = new LayerScale(dim, init);
            Ls2 = new LayerScale(dim, init);
            register_module("ls_1", Ls1);
            register_module("ls_2", Ls2);
        }
    }

    public ClipLayerNorm Ln1 { get; }

    public ClipMultiheadAttention Attn { get; }

    public LayerScale? Ls1 { get; }

    public ClipLayerNorm Ln2 { get; }

    public Sequential Mlp { get; }

    public LayerScale? Ls2 { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var attended = Attn.call(Ln1.call(x));
        if (Ls1 is not null)
            attended = Ls1.call(attended);
        var residual = x + attended;
        var mlp = Mlp.call(Ln2.call(residual));
        if (Ls2 is not null)
            mlp = Ls2.call(mlp);
        return (residual + mlp).MoveToOuterDisposeScope();
    }
}
