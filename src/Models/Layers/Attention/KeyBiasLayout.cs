namespace ModelGen.Models.Layers.Attention;

/// <summary>How the decomposed relative positions of a key grid are laid out for <see cref="FusedAttentionKernel"/>.</summary>
internal enum KeyBiasLayout
{
    /// <summary>No relative positions.</summary>
    None,

    /// <summary>Grid rows of a multiple of 16 keys: every vector of 16 keys lies in one grid row.</summary>
    GridRows,

    /// <summary>At most 16 grid rows of at most 16 keys: each query's terms fit in one vector, padded to 16 floats.</summary>
    SmallGrid,
}
