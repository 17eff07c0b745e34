namespace ModelGen.Models.Layers.Common;

/// <summary>An attention layer that computes its scores for a block of queries at a time, so that its memory is bounded by the block.</summary>
public interface IQueryBlockedAttention
{
    /// <summary>The queries whose scores exist at once (all of them when there are fewer).</summary>
    long QueriesPerBlock { get; }
}
