using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// SAM's attention with decomposed relative positions, for inference on a CPU with AVX-512 (float32, head dimension
/// 64). For each sequence and run of <see cref="QueriesPerItem"/> queries the keys are visited a tile of
/// <see cref="KeysPerTile"/> at a time, and each tile's scores, relative positions, softmax and product with the
/// values are done on four queries at a time in registers and a few KiB of scratch: flash attention's running softmax.
/// No score tensor exists, so the scores cost no memory traffic, where the blocked tensor operations pass over every
/// block of scores some ten times.
/// </summary>
/// <remarks>
/// The softmax is taken in base 2: scores and terms arrive multiplied by log2(e), and 2^x is a Taylor polynomial of
/// the fraction scaled by <c>vscalefps</c>. A query's running maximum is raised only when a tile has a score above it
/// by more than <see cref="Headroom"/>, so its running sums are rescaled a few times per query rather than once per
/// tile; terms of up to 2^Headroom stay far inside float32.
/// </remarks>
internal static unsafe class FusedAttentionKernel
{
    public const int HeadDim = 64;
    private const int KeysPerTile = 64;
    private const int VectorsPerTile = KeysPerTile / 16;
    private const int QueriesPerItem = 64;
    private const int RowsPerGroup = 4;
    private const float Headroom = 8f;

    /// <summary>The score given to the lanes past the last key; its term is clamped to 2^<see cref="LowestExponent"/>, nothing beside the maximum's 1.</summary>
    private const float MissingKey = -1e30f;

    /// <summary>Terms below 2^-125 are computed as 2^-125, so that no lane becomes subnormal (which costs microcode assists).</summary>
    private const float LowestExponent = -125f;

    public static bool IsSupported => Avx512F.IsSupported;

    public static long PackedTileFloats(FusedAttentionOperands operands) =>
        (long)operands.Sequences * Tiles(operands.Tokens) * 2 * KeysPerTile * HeadDim;

    /// <summary>Attends; only where <see cref="IsSupported"/> (the AVX-512 instructions throw elsewhere).</summary>
    public static void Run(FusedAttentionOperands operands)
    {
        var threads = get_num_threads();
        var tiles = Tiles(operands.Tokens);
        LibTorchTeam.For(operands.Sequences * tiles, threads, static () => 0,
            (index, _) => PackTile(operands, index / tiles, index % tiles), static _ => { });
        var keys = KeyVectors.Of(operands, tiles * VectorsPerTile);
        var runs = (operands.Tokens + QueriesPerItem - 1) / QueriesPerItem;
        LibTorchTeam.For(operands.Sequences * runs, threads, Scratch.ForThisThread,
            (index, scratch) => Attend(operands, keys, index / runs, index % runs * QueriesPerItem, scratch), static _ => { });
        GC.KeepAlive(keys);
    }

    private static int Tiles(int tokens) => (tokens + KeysPerTile - 1) / KeysPerTile;

    private static float* QkvOf(FusedAttentionOperands operands, int sequence)
    {
        var (image, head) = Math.DivRem(sequence, operands.Heads);
        return (float*)operands.Qkv + (long)image * operands.Tokens * operands.QkvRowStride + head * HeadDim;
    }

    /// <summary>
    /// A tile's keys transposed and times the score scale, (HeadDim, KeysPerTile), which <see cref="Scores"/> reads a row
    /// of per dimension, and its values, (KeysPerTile, HeadDim), contiguous (rows of the qkv projection are 3 · channels
    /// apart, which maps a tile's rows onto few L1 sets); zero past the last key.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackTile(FusedAttentionOperands operands, int sequence, int tile)
    {
        var keys = QkvOf(operands, sequence) + operands.Channels;
        var values = keys + operands.Channels;
        var packed = (float*)operands.PackedTiles + ((long)sequence * Tiles(operands.Tokens) + tile) * 2 * KeysPerTile * HeadDim;
        var packedValues = packed + KeysPerTile * HeadDim;
        for (var j = 0; j < KeysPerTile; j++)
        {
            var token = tile * KeysPerTile + j;
            if (token < operands.Tokens)
            {
                var source = keys + token * operands.QkvRowStride;
                for (var d = 0; d < HeadDim; d++)
                    packed[d * KeysPerTile + j] = source[d] * operands.ScoreScale;
                new ReadOnlySpan<float>(values + token * operands.QkvRowStride, HeadDim).CopyTo(new Span<float>(packedValues + j * HeadDim, HeadDim));
            }
            else
            {
                for (var d = 0; d < HeadDim; d++)
                    packed[d * KeysPerTile + j] = 0;
                new Span<float>(packedValues + j * HeadDim, HeadDim).Clear();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Attend(FusedAttentionOperands operands, KeyVectors keys, int sequence, int firstQuery, Scratch scratch)
    {
        var tokens = operands.Tokens;
        var rows = Math.Min(QueriesPerItem, tokens - firstQuery);
        var rowStride = operands.QkvRowStride;
        var qkv = QkvOf(operands, sequence);
        var packed = (float*)operands.PackedTiles + (long)sequence * Tiles(tokens) * 2 * KeysPerTile * HeadDim;
        float* accumulated = scratch.Accumulated, sums = scratch.Sums, maxima = scratch.Maxima, scores = scratch.Scores, rescale = scratch.Rescale;
        new Span<float>(accumulated, QueriesPerItem * HeadDim).Clear();
        new Span<float>(sums, QueriesPerItem * 16).Clear();
        new Span<float>(maxima, QueriesPerItem).Fill(float.NegativeInfinity);

        for (var tile = 0; tile < Tiles(tokens); tile++)
        {
            var keyCount = Math.Min(KeysPerTile, tokens - tile * KeysPerTile);
            var tileKeys = packed + (long)tile * 2 * KeysPerTile * HeadDim;
            var tileValues = tileKeys + KeysPerTile * HeadDim;
            for (var group = 0; group < rows; group += RowsPerGroup)
            {
                // Queries past the last (when the run is not a multiple of four) repeat the last; their results are dropped.
                var query = firstQuery + group;
                Scores(qkv + Math.Min(query, tokens - 1) * rowStride, qkv + Math.Min(query + 1, tokens - 1) * rowStride,
                    qkv + Math.Min(query + 2, tokens - 1) * rowStride, qkv + Math.Min(query + 3, tokens - 1) * rowStride,
                    tileKeys, scores);
                Softmax(operands, keys, sequence, query, tile, scores, maxima + group, sums + group * 16, rescale);
                AccumulateValues(scores, tileValues, keyCount, accumulated + group * HeadDim, rescale);
            }
        }

        for (var r = 0; r < rows; r++)
        {
            var inverse = Vector512.Create(1f / Vector512.Sum(Vector512.Load(sums + r * 16)));
            var source = accumulated + r * HeadDim;
            var destination = (float*)operands.Output + ((long)(sequence / operands.Heads) * tokens + firstQuery + r) * operands.Channels
                              + sequence % operands.Heads * HeadDim;
            for (var d = 0; d < HeadDim; d += 16)
                Avx512F.Multiply(Vector512.Load(source + d), inverse).Store(destination + d);
        }
    }

    /// <summary>The scaled products of four queries with a tile's keys, (RowsPerGroup, KeysPerTile).</summary>
    /// <remarks>Not inlined, here and below: inlined into the loops of <see cref="Attend"/>, the sixteen accumulators spill.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Scores(float* q0, float* q1, float* q2, float* q3, float* keys, float* scores)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (var d = 0; d < HeadDim; d++)
        {
            var row = keys + d * KeysPerTile;
            var k0 = Vector512.Load(row); var k1 = Vector512.Load(row + 16); var k2 = Vector512.Load(row + 32); var k3 = Vector512.Load(row + 48);
            var q = Vector512.Create(q0[d]);
            a00 = Fma(q, k0, a00); a01 = Fma(q, k1, a01); a02 = Fma(q, k2, a02); a03 = Fma(q, k3, a03);
            q = Vector512.Create(q1[d]);
            a10 = Fma(q, k0, a10); a11 = Fma(q, k1, a11); a12 = Fma(q, k2, a12); a13 = Fma(q, k3, a13);
            q = Vector512.Create(q2[d]);
            a20 = Fma(q, k0, a20); a21 = Fma(q, k1, a21); a22 = Fma(q, k2, a22); a23 = Fma(q, k3, a23);
            q = Vector512.Create(q3[d]);
            a30 = Fma(q, k0, a30); a31 = Fma(q, k1, a31); a32 = Fma(q, k2, a32); a33 = Fma(q, k3, a33);
        }
        Store4(scores, a00, a01, a02, a03);
        Store4(scores + KeysPerTile, a10, a11, a12, a13);
        Store4(scores + 2 * KeysPerTile, a20, a21, a22, a23);
        Store4(scores + 3 * KeysPerTile, a30, a31, a32, a33);
    }

    /// <summary>
    /// Turns four queries' scaled products with a tile into their softmax terms in place: with the relative positions
    /// added, 2^(score − running maximum). Raises a query's maximum where needed, rescaling its sum, and leaves in
    /// <paramref name="rescale"/> the factor its accumulated values must be multiplied by.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Softmax(FusedAttentionOperands operands, KeyVectors keys, int sequence, int firstQuery, int tile,
        float* scores, float* maxima, float* sums, float* rescale)
    {
        var first = tile * VectorsPerTile;
        var complete = keys.Valid[first + VectorsPerTile - 1] == 16;
        for (var r = 0; r < RowsPerGroup; r++)
        {
            var row = scores + r * KeysPerTile;
            var query = (long)sequence * operands.Tokens + Math.Min(firstQuery + r, operands.Tokens - 1);
            var termsH = (float*)operands.TermsHeight + query * operands.TermsHeightStride;
            var termsW = (float*)operands.TermsWidth + query * operands.TermsWidthStride;
            var s0 = Vector512.Load(row);
            var s1 = Vector512.Load(row + 16);
            var s2 = Vector512.Load(row + 32);
            var s3 = Vector512.Load(row + 48);
            if (operands.Layout != KeyBiasLayout.None)
            {
                s0 = Avx512F.Add(s0, Terms(operands.Layout, keys, first, termsH, termsW));
                s1 = Avx512F.Add(s1, Terms(operands.Layout, keys, first + 1, termsH, termsW));
                s2 = Avx512F.Add(s2, Terms(operands.Layout, keys, first + 2, termsH, termsW));
                s3 = Avx512F.Add(s3, Terms(operands.Layout, keys, first + 3, termsH, termsW));
            }
            if (!complete)
            {
                s0 = MaskMissing(s0, keys.Valid[first]);
                s1 = MaskMissing(s1, keys.Valid[first + 1]);
                s2 = MaskMissing(s2, keys.Valid[first + 2]);
                s3 = MaskMissing(s3, keys.Valid[first + 3]);
            }

            var highest = Avx512F.Max(Avx512F.Max(s0, s1), Avx512F.Max(s2, s3));
            var maximum = maxima[r];
            var sum = Vector512.Load(sums + r * 16);
            rescale[r] = 1f;
            if (Vector512.GreaterThanAny(highest, Vector512.Create(maximum + Headroom)))
            {
                var raised = HorizontalMax(highest);
                rescale[r] = float.IsNegativeInfinity(maximum) ? 0f : MathF.Pow(2f, maximum - raised);
                sum = Avx512F.Multiply(sum, Vector512.Create(rescale[r]));
                maxima[r] = maximum = raised;
            }
            var shift = Vector512.Create(maximum);
            s0 = Exp2(Avx512F.Subtract(s0, shift));
            s1 = Exp2(Avx512F.Subtract(s1, shift));
            s2 = Exp2(Avx512F.Subtract(s2, shift));
            s3 = Exp2(Avx512F.Subtract(s3, shift));
            Store4(row, s0, s1, s2, s3);
            Avx512F.Add(sum, Avx512F.Add(Avx512F.Add(s0, s1), Avx512F.Add(s2, s3))).Store(sums + r * 16);
        }
    }

    /// <summary>The relative-position terms of one query (its height and width terms) for the keys of one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Terms(KeyBiasLayout layout, KeyVectors keys, int vector, float* termsH, float* termsW) =>
        layout == KeyBiasLayout.GridRows
            ? Avx512F.Add(Vector512.Create(termsH[keys.IndexH[vector * 16]]), Vector512.Load(termsW + keys.IndexW[vector * 16]))
            : Avx512F.Add(Avx512F.PermuteVar16x32(Vector512.Load(termsH), Vector512.Load(keys.IndexH + vector * 16)),
                Avx512F.PermuteVar16x32(Vector512.Load(termsW), Vector512.Load(keys.IndexW + vector * 16)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaskMissing(Vector512<float> scores, int validLanes) =>
        Vector512.ConditionalSelect(LaneMask(validLanes), scores, Vector512.Create(MissingKey));

    /// <summary>Rescales four queries' accumulated values and adds the tile's terms times its values, (RowsPerGroup, HeadDim).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AccumulateValues(float* terms, float* values, int keyCount, float* accumulated, float* rescale)
    {
        var f0 = Vector512.Create(rescale[0]); var f1 = Vector512.Create(rescale[1]); var f2 = Vector512.Create(rescale[2]); var f3 = Vector512.Create(rescale[3]);
        float* o0 = accumulated, o1 = accumulated + HeadDim, o2 = accumulated + 2 * HeadDim, o3 = accumulated + 3 * HeadDim;
        Vector512<float> c00 = Load(o0, f0), c01 = Load(o0 + 16, f0), c02 = Load(o0 + 32, f0), c03 = Load(o0 + 48, f0);
        Vector512<float> c10 = Load(o1, f1), c11 = Load(o1 + 16, f1), c12 = Load(o1 + 32, f1), c13 = Load(o1 + 48, f1);
        Vector512<float> c20 = Load(o2, f2), c21 = Load(o2 + 16, f2), c22 = Load(o2 + 32, f2), c23 = Load(o2 + 48, f2);
        Vector512<float> c30 = Load(o3, f3), c31 = Load(o3 + 16, f3), c32 = Load(o3 + 32, f3), c33 = Load(o3 + 48, f3);
        for (var j = 0; j < keyCount; j++)
        {
            var row = values + j * HeadDim;
            var v0 = Vector512.Load(row); var v1 = Vector512.Load(row + 16); var v2 = Vector512.Load(row + 32); var v3 = Vector512.Load(row + 48);
            var p = Vector512.Create(terms[j]);
            c00 = Fma(p, v0, c00); c01 = Fma(p, v1, c01); c02 = Fma(p, v2, c02); c03 = Fma(p, v3, c03);
            p = Vector512.Create(terms[KeysPerTile + j]);
            c10 = Fma(p, v0, c10); c11 = Fma(p, v1, c11); c12 = Fma(p, v2, c12); c13 = Fma(p, v3, c13);
            p = Vector512.Create(terms[2 * KeysPerTile + j]);
            c20 = Fma(p, v0, c20); c21 = Fma(p, v1, c21); c22 = Fma(p, v2, c22); c23 = Fma(p, v3, c23);
            p = Vector512.Create(terms[3 * KeysPerTile + j]);
            c30 = Fma(p, v0, c30); c31 = Fma(p, v1, c31); c32 = Fma(p, v2, c32); c33 = Fma(p, v3, c33);
        }
        Store4(o0, c00, c01, c02, c03);
        Store4(o1, c10, c11, c12, c13);
        Store4(o2, c20, c21, c22, c23);
        Store4(o3, c30, c31, c32, c33);
    }

    /// <summary>2^x lane-wise, within 2 ulp: x = n + f with |f| ≤ 1/2, 2^f = e^(f ln 2) by its Taylor series to degree 7 (remainder below 6e-9 relative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp2(Vector512<float> x)
    {
        x = Avx512F.Max(x, Vector512.Create(LowestExponent));
        var n = Avx512F.RoundScale(x, 0);
        var f = Avx512F.Subtract(x, n);
        var p = Vector512.Create(1.5252733804059841e-5f);
        p = Fma(p, f, Vector512.Create(1.5403530393381606e-4f));
        p = Fma(p, f, Vector512.Create(1.3333558146428443e-3f));
        p = Fma(p, f, Vector512.Create(9.6181291076284772e-3f));
        p = Fma(p, f, Vector512.Create(5.5504108664821580e-2f));
        p = Fma(p, f, Vector512.Create(0.24022650695910071f));
        p = Fma(p, f, Vector512.Create(0.69314718055994531f));
        p = Fma(p, f, Vector512.Create(1f));
        return Avx512F.Scale(p, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Avx512F.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* source, Vector512<float> factor) => Avx512F.Multiply(Vector512.Load(source), factor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* destination, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        a.Store(destination);
        b.Store(destination + 16);
        c.Store(destination + 32);
        d.Store(destination + 48);
    }

    private static Vector512<float> LaneMask(int validLanes) =>
        Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(validLanes)).AsSingle();

    private static float HorizontalMax(Vector512<float> x)
    {
        var half = Vector256.Max(x.GetLower(), x.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        quarter = Vector128.Max(quarter, Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(quarter.GetElement(0), quarter.GetElement(1));
    }

    /// <summary>
    /// Where each vector of 16 keys lies in the key grid, every lane's row and column (past the last key, the last key's);
    /// in <see cref="KeyBiasLayout.GridRows"/> a vector lies in one row, so its first lane's say where. And how many of
    /// its lanes are keys.
    /// </summary>
    private sealed class KeyVectors
    {
        private readonly int[] _valid, _indexH, _indexW;

        private KeyVectors(int vectors)
        {
            _valid = GC.AllocateArray<int>(vectors, pinned: true);
            _indexH = GC.AllocateArray<int>(vectors * 16, pinned: true);
            _indexW = GC.AllocateArray<int>(vectors * 16, pinned: true);
        }

        public int* Valid => (int*)Unsafe.AsPointer(ref _valid[0]);

        public int* IndexH => (int*)Unsafe.AsPointer(ref _indexH[0]);

        public int* IndexW => (int*)Unsafe.AsPointer(ref _indexW[0]);

        public static KeyVectors Of(FusedAttentionOperands operands, int vectors)
        {
            var (tokens, width) = (operands.Tokens, operands.GridWidth);
            var table = new KeyVectors(vectors);
            for (var vector = 0; vector < vectors; vector++)
            {
                var first = vector * 16;
                table._valid[vector] = Math.Clamp(tokens - first, 0, 16);
                for (var lane = 0; lane < 16; lane++)
                    (table._indexH[vector * 16 + lane], table._indexW[vector * 16 + lane]) = Math.DivRem(Math.Min(first + lane, tokens - 1), width);
            }
            return table;
        }
    }

    /// <summary>A thread's scratch, kept for the thread's life (LibTorch's OpenMP threads are long-lived): about 21 KiB.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? t_scratch;

        private readonly float[] _floats = GC.AllocateArray<float>(QueriesPerItem * (HeadDim + 16 + 1) + RowsPerGroup * (KeysPerTile + 1), pinned: true);

        public static Scratch ForThisThread() => t_scratch ??= new Scratch();

        private float* Start => (float*)Unsafe.AsPointer(ref _floats[0]);

        /// <summary>The running sums of terms times values, (QueriesPerItem, HeadDim).</summary>
        public float* Accumulated => Start;

        /// <summary>The running sums of terms per lane, (QueriesPerItem, 16).</summary>
        public float* Sums => Start + QueriesPerItem * HeadDim;

        /// <summary>The running maxima, (QueriesPerItem).</summary>
        public float* Maxima => Sums + QueriesPerItem * 16;

        /// <summary>A group's scores, then terms, (RowsPerGroup, KeysPerTile).</summary>
        public float* Scores => Maxima + QueriesPerItem;

        /// <summary>A group's rescaling factors, (RowsPerGroup).</summary>
        public float* Rescale => Scores + RowsPerGroup * KeysPerTile;
    }
}
