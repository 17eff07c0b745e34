namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// One instruction set's work on a group of <see cref="Rows"/> queries and a tile of
/// <see cref="FusedAttentionKernel.KeysPerTile"/> keys. <see cref="FusedAttentionKernel"/> is generic over it, so
/// that each implementation is compiled into its own copy of the loops around it, with its sizes as constants.
/// </summary>
internal unsafe interface IFusedAttentionGroup
{
    /// <summary>The queries of a group, as many as the registers' blocking of the products takes.</summary>
    static abstract int Rows { get; }

    /// <summary>The queries of one work item: a multiple of <see cref="Rows"/>, at most <see cref="FusedAttentionKernel.MaxQueriesPerItem"/>.</summary>
    static abstract int QueriesPerItem { get; }

    /// <summary>The keys (and value dimensions) per column of a packed tile: a divisor of 64.</summary>
    static abstract int PackedColumn { get; }

    /// <summary>
    /// The scaled products of a group's queries, from <paramref name="queries"/> on, rows <paramref name="rowStride"/>
    /// floats apart, with a tile's packed keys: (Rows, KeysPerTile), of which the columns past
    /// <paramref name="keyCount"/> may be left unwritten (the softmax masks them). Past the
    /// <paramref name="available"/> queries left, rows repeat the last; their results are dropped.
    /// </summary>
    static abstract void Scores(float* queries, long rowStride, int available, float* keys, int keyCount, float* scores);

    /// <summary>
    /// Turns a group's scaled products with a tile into their softmax terms in place: with the relative positions
    /// added, 2^(score − running maximum). Raises a query's maximum where a score passes it by more than
    /// <see cref="FusedAttentionKernel.Headroom"/>, rescaling its running sums (16 floats per query), and leaves in
    /// <paramref name="rescale"/> the factor its accumulated values must be multiplied by.
    /// </summary>
    static abstract void Softmax(in FusedAttentionOperands operands, FusedAttentionKeys keys, int sequence, int firstQuery, int tile,
        float* scores, float* maxima, float* sums, float* rescale);

    /// <summary>Rescales a group's accumulated values and adds the tile's terms times its values, (Rows, HeadDim).</summary>
    static abstract void AccumulateValues(float* terms, float* values, int keyCount, float* accumulated, float* rescale);
}
