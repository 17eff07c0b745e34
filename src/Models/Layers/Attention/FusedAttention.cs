using ModelGen.Models.Backbones;
using ModelGen.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// Attention through <see cref="FusedAttentionKernel"/>, where that applies: on the CPU, with AVX-512 or AVX2, in
/// float32, head dimension 64, when autograd records nothing. Plain self-attention (no relative positions) runs over
/// any tokens; SAM's attention with relative positions adds its own conditions (<c>SamFusedAttention</c>).
/// </summary>
internal static class FusedAttention
{
    /// <summary>log2(e): the kernel's softmax is in base 2.</summary>
    public const double Log2E = 1.4426950408889634;

    /// <summary>
    /// Whether plain self-attention of <paramref name="numHeads"/> heads over a qkv projection (batch, tokens, 3 ·
    /// channels) runs on the kernel with <paramref name="instructions"/>: nothing for autograd to record in it, and the
    /// conditions above.
    /// </summary>
    public static bool AppliesWithoutPositions(Tensor qkv, long numHeads, FusedAttentionInstructions? instructions) =>
        qkv.dim() == 3 && qkv.shape[2] % 3 == 0 && KernelApplies(qkv, qkv.shape[2] / 3, numHeads, instructions)
        && !(is_grad_enabled() && qkv.requires_grad);

    /// <summary>
    /// softmax(q kᵀ / √64) v per head of a qkv projection (batch, tokens, 3 · heads · 64), its queries, keys and
    /// values each heads · 64 wide: (batch, tokens, heads · 64).
    /// </summary>
    public static Tensor AttendWithoutPositions(Tensor qkv, long numHeads, FusedAttentionInstructions instructions)
    {
        using var scope = NewDisposeScope();
        var (batch, tokens) = (qkv.shape[0], qkv.shape[1]);
        qkv = qkv.contiguous();
        var output = empty([batch, tokens, numHeads * FusedAttentionKernel.HeadDim], ScalarType.Float32, qkv.device);
        Run(qkv, output, (int)batch, (int)numHeads, (1, (int)tokens), 1 / Math.Sqrt(FusedAttentionKernel.HeadDim),
            KeyBiasLayout.None, null, null, instructions);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The kernel's own conditions on a tensor of (batch, ..., <paramref name="channels"/>-wide) tokens.</summary>
    public static bool KernelApplies(Tensor tokens, long channels, long numHeads, FusedAttentionInstructions? instructions) =>
        instructions is { } chosen && FusedAttentionKernel.IsSupported(chosen) && tokens.device_type == DeviceType.CPU
        && tokens.dtype == ScalarType.Float32 && channels == numHeads * FusedAttentionKernel.HeadDim && tokens.numel() > 0
        && tokens.numel() / tokens.shape[0] / tokens.shape[^1] <= int.MaxValue / 4 && tokens.shape[0] * numHeads <= int.MaxValue / 4
        && channels <= int.MaxValue / 32;

    /// <summary>
    /// Runs the kernel over a contiguous qkv projection (batch, tokens, 3 · channels) into <paramref name="output"/>
    /// (batch, tokens, channels); <paramref name="termsH"/> and <paramref name="termsW"/> are the relative positions'
    /// terms that <paramref name="layout"/> describes, times log2(e).
    /// </summary>
    public static void Run(Tensor qkv, Tensor output, int batch, int numHeads, (int Height, int Width) grid, double scale,
        KeyBiasLayout layout, Tensor? termsH, Tensor? termsW, FusedAttentionInstructions instructions)
    {
        using var scope = NewDisposeScope();
        var operands = new FusedAttentionOperands(TensorAddress.Of(qkv), qkv.shape[^1], TensorAddress.Of(output), 0, batch,
            numHeads, grid.Height, grid.Width, (float)(scale * Log2E), layout,
            termsH is null ? 0 : TensorAddress.Of(termsH), (int)(termsH?.shape[2] ?? 0),
            termsW is null ? 0 : TensorAddress.Of(termsW), (int)(termsW?.shape[2] ?? 0));
        var packedTiles = empty(FusedAttentionKernel.PackedTileFloats(operands), ScalarType.Float32, qkv.device);
        var (sequences, tokens) = ((long)operands.Sequences, (long)operands.Tokens);
        FlopCounter.Add(FlopKind.AttentionMatmul, 2 * sequences * tokens * tokens * FusedAttentionKernel.HeadDim);
        FusedAttentionKernel.Run(operands with { PackedTiles = TensorAddress.Of(packedTiles) }, instructions);
    }
}
