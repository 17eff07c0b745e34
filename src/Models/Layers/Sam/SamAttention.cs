using ModelGen.Models.Layers.Attention;
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
/// The scores are computed a block at a time: whole rows of them (a query of one head against every key), for a group
/// of sequences (image and head, or window and head) and a run of their queries, at most <see cref="ScoresPerBlock"/>
/// scores. Each block's relative positions, softmax and product with the values are done before the next block is
/// made, so memory grows linearly with the tokens, where a global block at 2048² would otherwise hold several (heads,
/// 16384, 16384) maps of 12 GiB each. Every row is complete, so the result is the one of the unblocked computation.
/// A block is one tensor, made by the product of queries and keys: the relative positions are added to it in place,
/// and the softmax is taken in place and normalised after the product with the values. A forward thus allocates one
/// block-sized tensor per block, which the allocator serves from the block just freed rather than from fresh pages
/// (which cost more than the arithmetic, bench/README.md, "SAM attention blocks").
/// </remarks>
public sealed class SamAttention : ExplicitModule<Tensor, Tensor>, IBlockedAttention
{
    /// <summary>
    /// The default of <see cref="ScoresPerBlock"/>, 2^21 (8 MiB of float32 scores), as measured for SAM ViT-B
    /// (bench/README.md, "SAM attention blocks"): 512 queries of one head at 1024², 128 at 2048², 54 windows and heads
    /// of 14 x 14 windows.
    /// </summary>
    public const long DefaultScoresPerBlock = 1L << 21;

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
        Qkv = new LinearLayer(dim, dim * 3, hasBias: qkvBias);
        Proj = new LinearLayer(dim, dim);
        register_module("qkv", Qkv);
        register_module("proj", Proj);
        if (useRelPos)
        {
            register_parameter("rel_pos_h", new Parameter(zeros(2 * relPosSize.Height - 1, headDim)));
            register_parameter("rel_pos_w", new Parameter(zeros(2 * relPosSize.Width - 1, headDim)));
        }
    }

    public LinearLayer Qkv { get; }

    public LinearLayer Proj { get; }

    public Parameter? RelPosH => get_parameter("rel_pos_h");

    public Parameter? RelPosW => get_parameter("rel_pos_w");

    /// <summary>
    /// The scores computed at once, in whole rows of T (at least one row, however small this is): fewer bound the
    /// memory tighter; more make fewer, larger products. The forward's memory check counts with the largest block of
    /// the model's layers.
    /// </summary>
    public long ScoresPerBlock
    {
        get;
        set => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ScoresPerBlock must be positive.");
    } = DefaultScoresPerBlock;

    /// <summary>
    /// Whether the forward may use the fused CPU kernel (<see cref="FusedAttentionKernel"/>): scores, relative
    /// positions, softmax and values in one pass per tile, with no score tensor. It is used where it applies — the CPU
    /// with AVX-512 or AVX2 (with FMA), float32, head dimension 64, nothing for autograd to record (a frozen teacher, or under
    /// <c>no_grad</c>), a grid whose rows are a multiple of 16 tokens or of at most 16 x 16 tokens — and the blocked
    /// tensor operations everywhere else. False: always the blocked tensor operations.
    /// </summary>
    public bool FusedKernel { get; set; } = true;

    /// <summary>Whether a forward on <paramref name="x"/> would use the fused CPU kernel (see <see cref="FusedKernel"/>).</summary>
    public bool UsesFusedKernel(Tensor x) => FusedKernel && SamFusedAttention.Applies(this, x, _numHeads, KernelInstructions);

    /// <summary>The instructions the fused kernel runs on: by default the widest this CPU has (tests and benchmarks also pick AVX2 where AVX-512 is there).</summary>
    internal FusedAttentionInstructions? KernelInstructions { get; set; } = FusedAttentionKernel.Best;

    public override Tensor forward(Tensor x)
    {
        if (UsesFusedKernel(x))
        {
            using var fused = SamFusedAttention.Attend(this, x, _numHeads, _scale, KernelInstructions!.Value);
            return Proj.call(fused);
        }

        using var scope = NewDisposeScope();
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (tokens, headDim, sequences) = (height * width, channels / _numHeads, batch * _numHeads);
        var qkv = Qkv.call(x)
            .reshape(batch, tokens, 3, _numHeads, headDim)
            .permute(2, 0, 3, 1, 4)
            .reshape(3, sequences, tokens, headDim);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        using var scale = _scale.ToScalar();
        var (scaledQueries, keys) = (q.mul(scale), k.transpose(-2, -1));
        var relative = RelPosH is { } relPosH && RelPosW is { } relPosW
            ? Flattened(RelativePosition.DecomposedTerms(q, RelativePosition.Get(height, height, relPosH), RelativePosition.Get(width, width, relPosW), (height, width), (height, width)), sequences, tokens)
            : ((Tensor Height, Tensor Width)?)null;

        var (sequencesPerBlock, queriesPerBlock) = BlockShape(ScoresPerBlock, sequences, tokens);
        var groups = new List<Tensor>();
        for (var first = 0L; first < sequences; first += sequencesPerBlock)
        {
            var count = Math.Min(sequencesPerBlock, sequences - first);
            var blocks = new List<Tensor>();
            for (var query = 0L; query < tokens; query += queriesPerBlock)
                blocks.Add(Attend(scaledQueries, keys, v, relative, (first, count), (query, Math.Min(queriesPerBlock, tokens - query))));
            groups.Add(blocks.Count == 1 ? blocks[0] : cat(blocks, dim: 1));
        }
        var attended = groups.Count switch
        {
            0 => zeros_like(q),
            1 => groups[0],
            _ => cat(groups, dim: 0),
        };

        var output = attended
            .view(batch, _numHeads, height, width, headDim)
            .permute(0, 2, 3, 1, 4)
            .reshape(batch, height, width, channels);
        return Proj.call(output).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The sequences (images or windows, times heads) and queries of one block of <paramref name="scoresPerBlock"/>
    /// scores over <paramref name="sequences"/> sequences of <paramref name="tokens"/> tokens: all queries of as many
    /// sequences as fit, or a run of one sequence's queries when not all of them do.
    /// </summary>
    public static (long Sequences, long Queries) BlockShape(long scoresPerBlock, long sequences, long tokens)
    {
        var rows = IBlockedAttention.RowsPerBlock(scoresPerBlock, tokens);
        return rows >= tokens ? (Math.Max(1, Math.Min(rows / Math.Max(1, tokens), sequences)), tokens) : (1, rows);
    }

    private static (Tensor Height, Tensor Width) Flattened((Tensor Height, Tensor Width) terms, long sequences, long tokens) =>
        (terms.Height.reshape(sequences, tokens, terms.Height.shape[^1]), terms.Width.reshape(sequences, tokens, terms.Width.shape[^1]));

    /// <summary>The attention output (sequences.Count, queries.Count, headDim) of one block.</summary>
    /// <param name="relative">The decomposed relative-position terms of every query, (sequences, T, kH) and (sequences, T, kW).</param>
    private static Tensor Attend(Tensor scaledQueries, Tensor keys, Tensor v, (Tensor Height, Tensor Width)? relative,
        (long First, long Count) sequences, (long First, long Count) queries)
    {
        using var scope = NewDisposeScope();
        var block = BatchedMatmul.Of(
            scaledQueries.narrow(0, sequences.First, sequences.Count).narrow(1, queries.First, queries.Count),
            keys.narrow(0, sequences.First, sequences.Count));
        if (relative is var (termsH, termsW))
        {
            var (kH, kW) = (termsH.shape[^1], termsW.shape[^1]);
            var perKeyRow = block.view(sequences.Count, queries.Count, kH, kW);
            perKeyRow.add_(Rows(termsH, sequences, queries).unsqueeze(-1));
            perKeyRow.add_(Rows(termsW, sequences, queries).unsqueeze(-2));
        }
        // softmax(s) @ v = (exp(s - m) @ v) / sum(exp(s - m)) for any m: the row maximum, held constant (its
        // gradient cancels), keeps exp from overflowing.
        using (var rowMax = block.detach().amax([-1], keepdim: true))
            block.sub_(rowMax).exp_();
        var normaliser = block.sum(-1, keepdim: true);
        return (BatchedMatmul.Of(block, v.narrow(0, sequences.First, sequences.Count)) / normaliser).MoveToOuterDisposeScope();
    }

    /// <summary>The terms of a block's queries, (sequences.Count, queries.Count, k), from (sequences, T, k).</summary>
    private static Tensor Rows(Tensor terms, (long First, long Count) sequences, (long First, long Count) queries) =>
        terms.narrow(0, sequences.First, sequences.Count).narrow(1, queries.First, queries.Count);
}
