namespace ModelGen.Models.Layers.Attention;

/// <summary>The vector instructions a <see cref="FusedAttentionKernel"/> runs on.</summary>
internal enum FusedAttentionInstructions
{
    /// <summary>256-bit AVX2 with FMA: sixteen registers of 8 floats.</summary>
    Avx2,

    /// <summary>AVX-512 (F): thirty-two registers of 16 floats.</summary>
    Avx512,
}
