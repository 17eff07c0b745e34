using ModelGen.Models.Layers.Attention;
using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// mmpretrain's MultiheadAttention as ViTamin's transformer layers build it (qkv bias, no layer
/// scale): softmax(q kᵀ / sqrt(head_dim)) v over all tokens of an NHWC map (<see cref="PackedSelfAttention"/>).
/// Parameters <c>qkv</c>, <c>proj</c>.
/// </summary>
public sealed class MultiheadSelfAttention : ExplicitModule<Tensor, Tensor>, IBlockedAttention
{
    private readonly long _numHeads;

    public MultiheadSelfAttention(long embedDims, long numHeads) : base(nameof(MultiheadSelfAttention))
    {
        _numHeads = numHeads;
        Qkv = new LinearLayer(embedDims, embedDims * 3);
        Proj = new LinearLayer(embedDims, embedDims);
        register_module("qkv", Qkv);
        register_module("proj", Proj);
    }

    public LinearLayer Qkv { get; }

    public LinearLayer Proj { get; }

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
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (batch, channels) = (x.shape[0], x.shape[^1]);
        var tokens = x.shape[1..^1].Aggregate(1L, (product, side) => product * side);
        var qkv = Qkv.call(x).reshape(batch, tokens, 3 * channels);
        return Proj.call(PackedSelfAttention.Of(qkv, _numHeads, FusedKernel).reshape(x.shape)).MoveToOuterDisposeScope();
    }
}
