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
/// The scores are computed for a block of queries at a time (scores with their relative positions, softmax and
/// the product with the values per block), so that the scores of no more than <see cref="QueriesPerBlock"/> queries
/// exist at once: memory linear in the tokens, where a global block at 2048² would otherwise hold several
/// (heads, 16384, 16384) maps of 12 GiB each. Every query's row of scores is still complete, so the result is the
/// one of the unblocked computation.
/// </remarks>
public sealed class SamAttention : ExplicitModule<Tensor, Tensor>, IQueryBlockedAttention
{
    /// <summary>
    /// The default of <see cref="QueriesPerBlock"/>, as measured for SAM ViT-B's global blocks (bench/README.md): at
    /// 1024² (12 MiB of scores per block) a third faster than all 4096 queries at once and than blocks of 8-16 or
    /// 128-256 queries; at 2048² within a tenth of the fastest block tried, 128 queries, and 3-6x faster than blocks
    /// of 8 MiB or less (a few queries each: products too thin to run at speed).
    /// </summary>
    public const long DefaultQueriesPerBlock = 64;

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
    /// The queries attended at once: their scores, (N·heads, QueriesPerBlock, T), are all that exists of the
    /// attention map at a time. Fewer bound the memory tighter; more make fewer, larger products. The forward's
    /// memory check counts with the largest block of the model's layers.
    /// </summary>
    public long QueriesPerBlock
    {
        get;
        set => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "QueriesPerBlock must be positive.");
    } = DefaultQueriesPerBlock;

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
            ? Flattened(RelativePosition.DecomposedTerms(q, RelativePosition.Get(height, height, relPosH), RelativePosition.Get(width, width, relPosW), (height, width), (height, width)), sequences, tokens)
            : ((Tensor Height, Tensor Width)?)null;

        var queriesPerBlock = QueriesPerBlock;
        var attended = queriesPerBlock >= tokens
            ? Attend(q, keys, v, relative, 0, tokens)
            : cat(Enumerable.Range(0, (int)((tokens + queriesPerBlock - 1) / queriesPerBlock))
                .Select(i => i * queriesPerBlock)
                .Select(first => Attend(q, keys, v, relative, first, Math.Min(queriesPerBlock, tokens - first)))
                .ToArray(), dim: 1);

        var output = attended
            .view(batch, _numHeads, height, width, headDim)
            .permute(0, 2, 3, 1, 4)
            .reshape(batch, height, width, channels);
        return Proj.call(output).MoveToOuterDisposeScope();
    }

    private static (Tensor Height, Tensor Width) Flattened((Tensor Height, Tensor Width) terms, long sequences, long tokens) =>
        (terms.Height.reshape(sequences, tokens, terms.Height.shape[^1]), terms.Width.reshape(sequences, tokens, terms.Width.shape[^1]));

    /// <summary>The attention output (sequences, count, headDim) of the queries [first, first + count).</summary>
    /// <param name="relative">The decomposed relative-position terms of every query, (sequences, T, kH) and (sequences, T, kW).</param>
    private Tensor Attend(Tensor q, Tensor keys, Tensor v, (Tensor Height, Tensor Width)? relative, long first, long count)
    {
        using var scope = NewDisposeScope();
        var (sequences, keyTokens) = (q.shape[0], keys.shape[2]);
        var queries = q.narrow(1, first, count);
        var scores = relative is var (termsH, termsW)
            ? BatchedMatmul.OfPlus(
                (termsH.narrow(1, first, count).unsqueeze(-1) + termsW.narrow(1, first, count).unsqueeze(-2)).reshape(sequences, count, keyTokens),
                queries, keys, _scale)
            : BatchedMatmul.Of(queries * _scale, keys);
        return BatchedMatmul.Of(scores.softmax(-1), v).MoveToOuterDisposeScope();
    }
}
