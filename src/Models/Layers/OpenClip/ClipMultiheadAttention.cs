using ModelGen.Models.Layers.Attention;
using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>
/// Self-attention with torch's <c>nn.MultiheadAttention</c> parameter layout: the packed
/// <c>in_proj_weight</c> (q, k, v rows) and <c>in_proj_bias</c>, and the <c>out_proj</c> linear.
/// Works on batch-first tokens (N, L, C); upstream's sequence-first layout gives the same result.
/// </summary>
public sealed class ClipMultiheadAttention : ExplicitModule<Tensor, Tensor>, IBlockedAttention
{
    private readonly long _numHeads;

    public ClipMultiheadAttention(long dim, long numHeads) : base(nameof(ClipMultiheadAttention))
    {
        _numHeads = numHeads;
        register_parameter("in_proj_weight", new Parameter(empty(3 * dim, dim)));
        register_parameter("in_proj_bias", new Parameter(zeros(3 * dim)));
        OutProj = new LinearLayer(dim, dim);
        nn.init.xavier_uniform_(InProjWeight);
        nn.init.zeros_(OutProj.Bias!);
        register_module("out_proj", OutProj);
    }

    public Parameter InProjWeight => get_parameter("in_proj_weight")!;

    public Parameter InProjBias => get_parameter("in_proj_bias")!;

    public LinearLayer OutProj { get; }

    /// <summary>
    /// Whether inference may use SAM's fused CPU kernel (see <see cref="PackedSelfAttention"/>). False: always
    /// LibTorch's <c>scaled_dot_product_attention</c>.
    /// </summary>
    public bool FusedKernel { get; set; } = true;

    /// <summary>The scores held at once (<see cref="ScaledDotProductAttention.ScoresPerBlock"/>), for the memory check.</summary>
    public long ScoresPerBlock => ScaledDotProductAttention.ScoresPerBlock;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        ModelGen.Models.Backbones.FlopCounter.Add(ModelGen.Models.Backbones.FlopKind.Linear, x.shape[0] * x.shape[1] * InProjWeight.shape[0] * InProjWeight.shape[1]);
        var qkv = ModelGen.Models.Runtime.LinearKernels.Linear(x, InProjWeight, InProjBias);
        return OutProj.call(PackedSelfAttention.Of(qkv, _numHeads, FusedKernel)).MoveToOuterDisposeScope();
    }
}
