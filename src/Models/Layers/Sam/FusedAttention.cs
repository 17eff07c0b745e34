using ModelGen.Models.Backbones;
using ModelGen.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// Attention through <see cref="FusedAttentionKernel"/>, where that applies: on the CPU, with AVX-512 or AVX2, in
/// float32, head dimension 64, when autograd records nothing. For <see cref="SamAttention"/>, also only for grids whose
/// relative positions the kernel lays out (rows of a multiple of 16 tokens, or at most 16 x 16 tokens, as SAM's global
/// layers and 14 x 14 windows are); other layers' plain self-attention (no relative positions) runs over any tokens.
/// </summary>
internal static class FusedAttention
{
    /// <summary>log2(e): the kernel's softmax is in base 2.</summary>
    private const double Log2E = 1.4426950408889634;

    public static bool Applies(SamAttention attention, Tensor x, long numHeads, FusedAttentionInstructions? instructions)
    {
        if (x.dim() != 4 || !KernelApplies(x, x.shape[3], numHeads, instructions))
            return false;
        var parameters = attention.parameters().ToArray();
        if (parameters.Any(p => p.device_type != DeviceType.CPU || p.dtype != ScalarType.Float32))
            return false;
        if (is_grad_enabled() && (x.requires_grad || parameters.Any(p => p.requires_grad)))
            return false;
        return Layout(attention, x.shape[1], x.shape[2]) is not null;
    }

    /// <summary>
    /// Whether plain self-attention of <paramref name="numHeads"/> heads over a qkv projection (batch, tokens, 3 ·
    /// channels) runs on the kernel with <paramref name="instructions"/>: nothing for autograd to record in it, and the
    /// conditions above.
    /// </summary>
    public static bool AppliesWithoutPositions(Tensor qkv, long numHeads, FusedAttentionInstructions? instructions) =>
        qkv.dim() == 3 && qkv.shape[2] % 3 == 0 && KernelApplies(qkv, qkv.shape[2] / 3, numHeads, instructions)
        && !(is_grad_enabled() && qkv.requires_grad);

    /// <summary>The attended values of <paramref name="x"/> (batch, height, width, channels), before the output projection.</summary>
    public static Tensor Attend(SamAttention attention, Tensor x, long numHeads, double scale, FusedAttentionInstructions instructions)
    {
        using var scope = NewDisposeScope();
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (tokens, sequences, headDim) = (height * width, batch * numHeads, (long)FusedAttentionKernel.HeadDim);
        var layout = Layout(attention, height, width) ?? throw new InvalidOperationException("The fused attention does not apply to this grid.");
        var qkv = attention.Qkv.call(x).contiguous();

        Tensor? termsH = null, termsW = null;
        if (layout != KeyBiasLayout.None)
        {
            using var log2E = Log2E.ToScalar();
            var queries = qkv.view(batch, tokens, 3, numHeads, headDim).select(2, 0).permute(0, 2, 1, 3).reshape(sequences, tokens, headDim);
            var (h, w) = RelativePosition.DecomposedTerms(queries,
                RelativePosition.Get(height, height, attention.RelPosH!).mul(log2E),
                RelativePosition.Get(width, width, attention.RelPosW!).mul(log2E), (height, width), (height, width));
            (termsH, termsW) = (h.reshape(sequences, tokens, height), w.reshape(sequences, tokens, width));
            if (layout == KeyBiasLayout.SmallGrid)
                (termsH, termsW) = (nn.functional.pad(termsH, [0, 16 - height]), nn.functional.pad(termsW, [0, 16 - width]));
            (termsH, termsW) = (termsH.contiguous(), termsW.contiguous());
        }

        var output = empty([batch, height, width, channels], ScalarType.Float32, x.device);
        Run(qkv, output, (int)batch, (int)numHeads, ((int)height, (int)width), scale, layout, termsH, termsW, instructions);
        return output.MoveToOuterDisposeScope();
    }

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
    private static bool KernelApplies(Tensor tokens, long channels, long numHeads, FusedAttentionInstructions? instructions) =>
        instructions is { } chosen && FusedAttentionKernel.IsSupported(chosen) && tokens.device_type == DeviceType.CPU
        && tokens.dtype == ScalarType.Float32 && channels == numHeads * FusedAttentionKernel.HeadDim && tokens.numel() > 0
        && tokens.numel() / tokens.shape[0] / tokens.shape[^1] <= int.MaxValue / 4 && tokens.shape[0] * numHeads <= int.MaxValue / 4
        && channels <= int.MaxValue / 32;

    /// <summary>Runs the kernel over a contiguous qkv projection (batch, tokens, 3 · channels) into <paramref name="output"/> (batch, tokens, channels).</summary>
    private static void Run(Tensor qkv, Tensor output, int batch, int numHeads, (int Height, int Width) grid, double scale,
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

    private static KeyBiasLayout? Layout(SamAttention attention, long height, long width)
    {
        if (attention.RelPosH is null || attention.RelPosW is null)
            return KeyBiasLayout.None;
        if (width % 16 == 0)
            return KeyBiasLayout.GridRows;
        return height <= 16 && width <= 16 ? KeyBiasLayout.SmallGrid : null;
    }
}
