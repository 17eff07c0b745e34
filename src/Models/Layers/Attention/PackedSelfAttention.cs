using ModelGen.Models.Layers.Common;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// Self-attention of a packed qkv projection, (batch, tokens, 3 · channels): queries, keys and values of
/// <c>heads</c> heads each. Where it applies (inference on a CPU with AVX-512 or AVX2, float32, heads of 64), it runs on
/// SAM's fused kernel without relative positions (<see cref="FusedAttentionKernel"/>), which made VitaminSmallTransformer's
/// forward at 1024² 1.3x faster than LibTorch's kernel did; everywhere else through
/// <see cref="ScaledDotProductAttention"/>.
/// </summary>
internal static class PackedSelfAttention
{
    /// <returns>(batch, tokens, channels), heads side by side as the projection had them.</returns>
    public static Tensor Of(Tensor qkv, long numHeads, bool fusedKernel)
    {
        if (fusedKernel && FusedAttention.AppliesWithoutPositions(qkv, numHeads, FusedAttentionKernel.Best))
            return FusedAttention.AttendWithoutPositions(qkv, numHeads, FusedAttentionKernel.Best!.Value);
        using var scope = NewDisposeScope();
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (batch, tokens, channels) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3);
        var heads = qkv.reshape(batch, tokens, 3, numHeads, channels / numHeads).permute(2, 0, 3, 1, 4);
        return ScaledDotProductAttention.Of(heads[0], heads[1], heads[2]).transpose(1, 2).reshape(batch, tokens, channels)
            .MoveToOuterDisposeScope();
    }
}
