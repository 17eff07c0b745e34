namespace ModelGen.Models.Layers.Common;

/// <summary>
/// An attention layer that computes its scores a block at a time, at most <see cref="ScoresPerBlock"/> of them at
/// once, so that its memory is bounded by the block. The memory check counts the block in whole rows of scores (one
/// query of one head against every key).
/// </summary>
public interface IBlockedAttention
{
    /// <summary>The scores that exist at once (counted as whole rows of them, at least one).</summary>
    long ScoresPerBlock { get; }

    /// <summary>The rows of <paramref name="keys"/> scores each that a block of <paramref name="scoresPerBlock"/> holds: at least one.</summary>
    static long RowsPerBlock(long scoresPerBlock, long keys) => Math.Max(1, scoresPerBlock / Math.Max(1, keys));
}
