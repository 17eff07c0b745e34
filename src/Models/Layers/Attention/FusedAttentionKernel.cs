using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// Self-attention, with or without SAM's decomposed relative positions, for inference on a CPU with AVX-512 or AVX2
/// (float32, head dimension 64). For each sequence and run of queries (<see cref="IFusedAttentionGroup.QueriesPerItem"/>) the keys
/// are visited a tile of <see cref="KeysPerTile"/> at a time, and each tile's scores, relative positions, softmax and
/// product with the values are done on a few queries at a time in registers and a few KiB of scratch (<see cref="IFusedAttentionGroup"/>,
/// one per instruction set): flash attention's running softmax. No score tensor exists, so the scores cost no memory
/// traffic, where the blocked tensor operations pass over every block of scores some ten times.
/// </summary>
/// <remarks>
/// The softmax is taken in base 2: scores and terms arrive multiplied by log2(e), and 2^x is a Taylor polynomial of
/// the fraction times 2^n. A query's running maximum is raised only when a tile has a score above it by more than
/// <see cref="Headroom"/>, so its running sums are rescaled a few times per query rather than once per tile; terms of
/// up to 2^Headroom stay far inside float32.
/// </remarks>
internal static unsafe class FusedAttentionKernel
{
    public const int HeadDim = 64;
    public const int KeysPerTile = 64;
    public const float Headroom = 8f;
    public const int MaxRows = 6;
    public const int MaxQueriesPerItem = 48;

    /// <summary>The score given to the lanes past the last key; its term is clamped to 2^<see cref="LowestExponent"/>, nothing beside the maximum's 1.</summary>
    public const float MissingKey = -1e30f;

    /// <summary>Terms below 2^-125 are computed as 2^-125, so that no lane becomes subnormal (which costs microcode assists).</summary>
    public const float LowestExponent = -125f;

    /// <summary>The instruction set the kernel runs on here by default: the widest supported, or none.</summary>
    public static FusedAttentionInstructions? Best =>
        IsSupported(FusedAttentionInstructions.Avx512) ? FusedAttentionInstructions.Avx512
        : IsSupported(FusedAttentionInstructions.Avx2) ? FusedAttentionInstructions.Avx2
        : null;

    public static bool IsSupported(FusedAttentionInstructions instructions) => instructions switch
    {
        FusedAttentionInstructions.Avx512 => Avx512F.IsSupported && Avx2.IsSupported,
        FusedAttentionInstructions.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    public static long PackedTileFloats(FusedAttentionOperands operands) =>
        (long)operands.Sequences * Tiles(operands.Tokens) * 2 * KeysPerTile * HeadDim;

    /// <summary>Attends; only where <see cref="IsSupported"/> (the instructions throw elsewhere).</summary>
    public static void Run(FusedAttentionOperands operands, FusedAttentionInstructions instructions)
    {
        if (instructions == FusedAttentionInstructions.Avx512)
            Run<Avx512AttentionGroup>(operands);
        else
            Run<Avx2AttentionGroup>(operands);
    }

    private static void Run<TGroup>(FusedAttentionOperands operands) where TGroup : struct, IFusedAttentionGroup
    {
        var threads = get_num_threads();
        var tiles = Tiles(operands.Tokens);
        LibTorchTeam.For(operands.Sequences * tiles, threads, static () => 0,
            (index, _) => PackTile<TGroup>(operands, index / tiles, index % tiles), static _ => { });
        var keys = FusedAttentionKeys.Of(operands, tiles * KeysPerTile / 16);
        var runs = (operands.Tokens + TGroup.QueriesPerItem - 1) / TGroup.QueriesPerItem;
        LibTorchTeam.For(operands.Sequences * runs, threads, Scratch.ForThisThread,
            (index, scratch) => Attend<TGroup>(operands, keys, index / runs, index % runs * TGroup.QueriesPerItem, scratch), static _ => { });
        GC.KeepAlive(keys);
    }

    private static int Tiles(int tokens) => (tokens + KeysPerTile - 1) / KeysPerTile;

    private static float* QkvOf(FusedAttentionOperands operands, int sequence)
    {
        var (image, head) = Math.DivRem(sequence, operands.Heads);
        return (float*)operands.Qkv + (long)image * operands.Tokens * operands.QkvRowStride + head * HeadDim;
    }

    /// <summary>
    /// A tile's keys transposed and times the score scale, and its values, zero past the last key, in the columns that
    /// <see cref="IFusedAttentionGroup.PackedColumn"/> gives: keys as (KeysPerTile / column, HeadDim, column), so
    /// that the scores of a column read it from start to end, and values as (HeadDim / column, KeysPerTile, column).
    /// Packed, the tile is contiguous, where rows of the qkv projection are 3 · channels apart (which maps a tile's rows
    /// onto few L1 sets). Eight keys' dimension at a time are gathered (AVX2, which both instruction sets include):
    /// element by element, packing took 40 % of the kernel's time on SAM's windows.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackTile<TGroup>(FusedAttentionOperands operands, int sequence, int tile) where TGroup : struct, IFusedAttentionGroup
    {
        var column = TGroup.PackedColumn;
        var stride = operands.QkvRowStride;
        var first = tile * KeysPerTile;
        var present = Math.Clamp(operands.Tokens - first, 0, KeysPerTile);
        var keys = QkvOf(operands, sequence) + operands.Channels + first * stride;
        var values = keys + operands.Channels;
        var packed = (float*)operands.PackedTiles + ((long)sequence * Tiles(operands.Tokens) + tile) * 2 * KeysPerTile * HeadDim;
        var packedValues = packed + KeysPerTile * HeadDim;

        for (var j = 0; j < KeysPerTile; j++)
        {
            var source = values + j * stride;
            var destination = packedValues + j * column;
            for (var d = 0; d < HeadDim; d += 8)
                (j < present ? Vector256.Load(source + d) : Vector256<float>.Zero).Store(destination + d / column * KeysPerTile * column + d % column);
        }

        var scale = Vector256.Create(operands.ScoreScale);
        var rows = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * Vector256.Create((int)stride);
        for (var j = 0; j < KeysPerTile; j += 8)
        {
            var source = keys + j * stride;
            var destination = packed + j / column * HeadDim * column + j % column;
            if (j + 8 <= present)
            {
                for (var d = 0; d < HeadDim; d++)
                    (Avx2.GatherVector256(source + d, rows, 4) * scale).Store(destination + d * column);
            }
            else
            {
                for (var d = 0; d < HeadDim; d++)
                    for (var lane = 0; lane < 8; lane++)
                        destination[d * column + lane] = j + lane < present ? source[lane * stride + d] * operands.ScoreScale : 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Attend<TGroup>(FusedAttentionOperands operands, FusedAttentionKeys keys, int sequence, int firstQuery, Scratch scratch)
        where TGroup : struct, IFusedAttentionGroup
    {
        var tokens = operands.Tokens;
        var rows = Math.Min(TGroup.QueriesPerItem, tokens - firstQuery);
        var rowStride = operands.QkvRowStride;
        var qkv = QkvOf(operands, sequence);
        var packed = (float*)operands.PackedTiles + (long)sequence * Tiles(tokens) * 2 * KeysPerTile * HeadDim;
        float* accumulated = scratch.Accumulated, sums = scratch.Sums, maxima = scratch.Maxima, scores = scratch.Scores, rescale = scratch.Rescale;
        new Span<float>(accumulated, TGroup.QueriesPerItem * HeadDim).Clear();
        new Span<float>(sums, TGroup.QueriesPerItem * 16).Clear();
        new Span<float>(maxima, TGroup.QueriesPerItem).Fill(float.NegativeInfinity);

        for (var tile = 0; tile < Tiles(tokens); tile++)
        {
            var keyCount = Math.Min(KeysPerTile, tokens - tile * KeysPerTile);
            var tileKeys = packed + (long)tile * 2 * KeysPerTile * HeadDim;
            var tileValues = tileKeys + KeysPerTile * HeadDim;
            for (var group = 0; group < rows; group += TGroup.Rows)
            {
                var query = firstQuery + group;
                TGroup.Scores(qkv + query * rowStride, rowStride, tokens - query, tileKeys, keyCount, scores);
                TGroup.Softmax(operands, keys, sequence, query, tile, scores, maxima + group, sums + group * 16, rescale);
                TGroup.AccumulateValues(scores, tileValues, keyCount, accumulated + group * HeadDim, rescale);
            }
        }

        for (var r = 0; r < rows; r++)
        {
            var inverse = Vector256.Create(1f / Vector256.Sum(Vector256.Load(sums + r * 16) + Vector256.Load(sums + r * 16 + 8)));
            var source = accumulated + r * HeadDim;
            var destination = (float*)operands.Output + ((long)(sequence / operands.Heads) * tokens + firstQuery + r) * operands.Channels
                              + sequence % operands.Heads * HeadDim;
            for (var d = 0; d < HeadDim; d += 8)
                (Vector256.Load(source + d) * inverse).Store(destination + d);
        }
    }

    /// <summary>
    /// Raises a query's running maximum to <paramref name="highest"/>, a tile's highest score, and gives the factor its
    /// running sums and accumulated values must be multiplied by: 2^(old − new), or 0 before its first tile.
    /// </summary>
    public static float RaiseMaximum(ref float maximum, float highest)
    {
        var factor = float.IsNegativeInfinity(maximum) ? 0f : MathF.Pow(2f, maximum - highest);
        maximum = highest;
        return factor;
    }

    /// <summary>A thread's scratch, kept for the thread's life (LibTorch's OpenMP threads are long-lived): about 17 KiB, sized for the largest group and work item (<see cref="MaxRows"/>, <see cref="MaxQueriesPerItem"/>).</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_scratch;

        private readonly float[] _floats = GC.AllocateArray<float>(MaxQueriesPerItem * (HeadDim + 16 + 1) + MaxRows * (KeysPerTile + 1), pinned: true);

        public static Scratch ForThisThread() => t_scratch ??= new Scratch();

        private float* Start => (float*)Unsafe.AsPointer(ref _floats[0]);

        /// <summary>The running sums of terms times values, (QueriesPerItem, HeadDim).</summary>
        public float* Accumulated => Start;

        /// <summary>The running sums of terms per lane, (QueriesPerItem, 16).</summary>
        public float* Sums => Start + MaxQueriesPerItem * HeadDim;

        /// <summary>The running maxima, (QueriesPerItem).</summary>
        public float* Maxima => Sums + MaxQueriesPerItem * 16;

        /// <summary>A group's scores, then terms, (Rows, KeysPerTile).</summary>
        public float* Scores => Maxima + MaxQueriesPerItem;

        /// <summary>A group's rescaling factors, (Rows).</summary>
        public float* Rescale => Scores + MaxRows * KeysPerTile;
    }
}
