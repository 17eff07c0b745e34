using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// SAM's multi-head self-attention over an NHWC token map with optional decomposed relative
/// positions: parameters <c>qkv</c>, <c>proj</c>, <c>rel_pos_h</c>, <c>rel_pos_w</c>.
/// </summary>
/// <remarks>
/// The scores are computed for a block of query rows at a time (scores, relative positions, softmax and the
/// product with the values per block), so that no more than <see cref="ScoreBlockBytes"/> of scores exist at
/// once: a global block at 2048² would otherwise hold several (heads, 16384, 16384) maps of 12 GiB each. Every
/// query's row of scores is still complete, so the result is the one of the unblocked computation.
/// </remarks>
public sealed class SamAttention : ExplicitModule<Tensor, Tensor>, IQueryBlockedAttention
{
    /// <summary>The default of <see cref="ScoreBlockBytes"/>: blocks small enough to stay in a large last-level cache.</summary>
    public const long DefaultScoreBlockBytes = 32L << 20;

    private readonly long _numHeads;
    private readonly double _scale;

    /// <param name="relPosSize">The token grid side the relative position tables are sized for (the window, or the whole grid for global attention).</param>
    public SamAttention(long dim, long numHeads, bool qkvBias, bool useRelPos, long relPosSize)
        : this(dim, numHeads, qkvBias, useRelPos, (relPosSize, relPosSize))
    {
    }

    /// <param name="relPosSize">The token grid the relative position tables are sized for: <c>rel_pos_h</c> covers its height, <c>rel_pos_w</c> its width.</param>
    public SamAttention(long dim, long numHeads, bool qkvBias, bool useRelPos, (long Height, long Width) relPosSize) : base(nameof(SamAttention))
    {
        _numHeads = numHeads;
        var headDim = dim / numHeads;
        _scale = Math.Pow(headDim, -0.5);
        Qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        Proj = nn.Linear(dim, dim);
        register_module("qkv", Qkv);
        register_module("proj", Proj);
        if (useRelPos)
        {
            register_parameter("rel_pos_h", new Parameter(zeros(2 * relPosSize.Height - 1, headDim)));
            register_parameter("rel_pos_w", new Parameter(zeros(2 * relPosSize.Width - 1, headDim)));
        }
    }

    public Linear Qkv { get; }

    public Linear Proj { get; }

    public Parameter? RelPosH => get_parameter("rel_pos_h");

    public Parameter? RelPosW => get_parameter("rel_pos_w");

    /// <summary>
    /// At most this many bytes of attention scores at once (at least one row of the token grid is attended at a
    /// time, whatever its size). Smaller blocks bound the memory; larger ones make fewer, larger products. The
    /// forward's memory check counts with the largest block of the model's layers.
    /// </summary>
    public long ScoreBlockBytes
    {
        get;
        set => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ScoreBlockBytes must be positive.");
    } = DefaultScoreBlockBytes;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (tokens, headDim, sequences) = (height * width, channels / _numHeads, batch * _numHeads);
        var qkv = Qkv.call(x)
            .reshape(batch, tokens, 3, _numHeads, headDim)
            .permute(2, 0, 3, 1, 4)
            .reshape(3, sequences, tokens, headDim);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        var keys = k.transpose(-2, -1);
        var relative = RelPosH is { } relPosH && RelPosW is { } relPosW
            ? RelativePosition.DecomposedTerms(q, RelativePosition.Get(height, height, relPosH), RelativePosition.Get(width, width, relPosW), (height, width), (height, width))
            : ((Tensor Height, Tensor Width)?)null;

        var rowsPerBlock = QueryRowsPerBlock(sequences, width, tokens, x.ElementSize);
        var attended = rowsPerBlock >= height
            ? Attend(q, keys, v, relative, 0, height, width)
            : cat(Enumerable.Range(0, (int)((height + rowsPerBlock - 1) / rowsPerBlock))
                .Select(i => i * rowsPerBlock)
                .Select(first => Attend(q, keys, v, relative, first, Math.Min(rowsPerBlock, height - first), width))
                .ToArray(), dim: 1);

        var output = attended
            .view(batch, _numHeads, height, width, headDim)
            .permute(0, 2, 3, 1, 4)
            .reshape(batch, height, width, channels);
        return Proj.call(output).MoveToOuterDisposeScope();
    }

    private long QueryRowsPerBlock(long sequences, long width, long tokens, long elementSize)
    {
        var rowBytes = (double)sequences * width * tokens * elementSize;
        return rowBytes <= 0 ? long.MaxValue : Math.Max(1, (long)(ScoreBlockBytes / rowBytes));
    }

    /// <summary>The attention output (sequences, rows·width, headDim) of the queries in grid rows [first, first + rows).</summary>
    /// <param name="relative">The decomposed relative-position terms of every query, (sequences, H, W, kH) and (sequences, H, W, kW).</param>
    private Tensor Attend(Tensor q, Tensor keys, Tensor v, (Tensor Height, Tensor Width)? relative, long first, long rows, long width)
    {
        using var scope = NewDisposeScope();
        var (sequences, blockTokens) = (q.shape[0], rows * width);
        var queries = q.narrow(1, first * width, blockTokens);
        var scores = relative is var (termsH, termsW)
            ? BatchedMatmul.OfPlus(
                (termsH.narrow(1, first, rows).unsqueeze(-1) + termsW.narrow(1, first, rows).unsqueeze(-2)).reshape(sequences, blockTokens, keys.shape[2]),
                queries, keys, _scale)
            : BatchedMatmul.Of(queries * _scale, keys);
        return BatchedMatmul.Of(scores.softmax(-1), v).MoveToOuterDisposeScope();
    }
}
