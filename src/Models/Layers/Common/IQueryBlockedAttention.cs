namespace ModelGen.Models.Layers.Common;

/// <summary>An attention layer that computes its scores for a block of queries at a time, so that its memory is bounded by the block.</summary>
public interface IQueryBlockedAttention
{
    /// <summary>At most this many bytes of scores at once (or the scores of one row of the token grid, when that is larger).</summary>
    long ScoreBlockBytes { get; }
}
