using ModelGen.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// softmax(q kᵀ / √d) v for heads of shape (..., tokens, d), through LibTorch's <c>scaled_dot_product_attention</c>
/// (as timm, mmpretrain and PyTorch's own multi-head attention call it). On the CPU that is LibTorch's flash-attention
/// kernel, which runs over blocks of keys with a running softmax, so the (tokens x tokens) scores are never held, in
/// the forward or for the backward; on CUDA, whichever fused kernel LibTorch picks. Its results differ from the
/// formula evaluated as two products and a softmax by float rounding only.
/// </summary>
public static class ScaledDotProductAttention
{
    /// <summary>
    /// An upper bound on the scores LibTorch's CPU kernel holds at once: per intra-op thread, one block of at most 256
    /// queries by 512 keys (the largest split sizes it uses), in forward and backward alike.
    /// </summary>
    public static long ScoresPerBlock => 256L * 512 * Math.Max(1, get_num_threads());

    /// <param name="q">Queries, (..., queries, d).</param>
    /// <param name="k">Keys, (..., keys, d), with the leading dimensions of <paramref name="q"/>.</param>
    /// <param name="v">Values, (..., keys, dv).</param>
    /// <returns>(..., queries, dv).</returns>
    public static Tensor Of(Tensor q, Tensor k, Tensor v)
    {
        // LibTorch has no meta kernel for it; there only the shapes matter (and the FLOPs the products count).
        if (q.device_type == DeviceType.META)
            return Formula(q, k, v);
        var heads = q.shape[..^2].Aggregate(1L, (product, size) => product * size);
        FlopCounter.Add(FlopKind.AttentionMatmul, heads * q.shape[^2] * k.shape[^2] * (q.shape[^1] + v.shape[^1]));
        return nn.functional.scaled_dot_product_attention(q, k, v);
    }

    /// <summary>The same as two batched products and a softmax, with the (queries x keys) scores in memory.</summary>
    internal static Tensor Formula(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        using var scale = (1 / Math.Sqrt(q.shape[^1])).ToScalar();
        var attention = BatchedMatmul.Of(q, k.transpose(-2, -1)).mul_(scale).softmax(-1);
        return BatchedMatmul.Of(attention, v).MoveToOuterDisposeScope();
    }
}
