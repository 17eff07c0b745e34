using ModelGen.Models.Layers.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// <see cref="SamAttention"/> through <see cref="FusedAttentionKernel"/>: where <see cref="FusedAttention"/> applies,
/// with the layer's parameters in float32 on the CPU, and only for grids whose relative positions the kernel lays out
/// (rows of a multiple of 16 tokens, or at most 16 x 16 tokens, as SAM's global layers and 14 x 14 windows are).
/// </summary>
internal static class SamFusedAttention
{
    public static bool Applies(SamAttention attention, Tensor x, long numHeads, FusedAttentionInstructions? instructions)
    {
        if (x.dim() != 4 || !FusedAttention.KernelApplies(x, x.shape[3], numHeads, instructions))
            return false;
        var parameters = attention.parameters().ToArray();
        if (parameters.Any(p => p.device_type != DeviceType.CPU || p.dtype != ScalarType.Float32))
            return false;
        if (is_grad_enabled() && (x.requires_grad || parameters.Any(p => p.requires_grad)))
            return false;
        return Layout(attention, x.shape[1], x.shape[2]) is not null;
    }

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
            using var log2E = FusedAttention.Log2E.ToScalar();
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
        FusedAttention.Run(qkv, output, (int)batch, (int)numHeads, ((int)height, (int)width), scale, layout, termsH, termsW, instructions);
        return output.MoveToOuterDisposeScope();
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
