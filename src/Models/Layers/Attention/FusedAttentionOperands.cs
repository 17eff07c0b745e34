namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// What <see cref="FusedAttentionKernel"/> reads and writes, as addresses of float32 tensors that the caller keeps
/// alive for the call. Sequence s is image s / heads, head s % heads.
/// </summary>
/// <param name="Qkv">The qkv projection (batch, tokens, 3 · heads · 64), rows <paramref name="QkvRowStride"/> floats apart: queries, keys, values.</param>
/// <param name="Output">The attended values before the output projection, (batch, tokens, heads · 64), contiguous.</param>
/// <param name="PackedTiles">Scratch of <see cref="FusedAttentionKernel.PackedTileFloats"/> floats for the keys and values in tiles.</param>
/// <param name="ScoreScale">What the products of queries and keys are multiplied by (1/√64 for SAM and every other layer here), times log2(e).</param>
/// <param name="TermsHeight">The height terms of every query, (sequences, tokens, <paramref name="TermsHeightStride"/>), times log2(e); unused for <see cref="KeyBiasLayout.None"/>.</param>
/// <param name="TermsWidth">The width terms, (sequences, tokens, <paramref name="TermsWidthStride"/>), times log2(e).</param>
internal readonly record struct FusedAttentionOperands(
    nint Qkv,
    long QkvRowStride,
    nint Output,
    nint PackedTiles,
    int Batch,
    int Heads,
    int GridHeight,
    int GridWidth,
    float ScoreScale,
    KeyBiasLayout Layout,
    nint TermsHeight,
    int TermsHeightStride,
    nint TermsWidth,
    int TermsWidthStride)
{
    public int Tokens => GridHeight * GridWidth;

    public int Sequences => Batch * Heads;

    public int Channels => Heads * FusedAttentionKernel.HeadDim;
}
