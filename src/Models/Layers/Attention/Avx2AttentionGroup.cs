using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static ModelGen.Models.Layers.Attention.FusedAttentionKernel;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// <see cref="FusedAttentionKernel"/>'s group work in AVX2 with FMA. Sixteen 256-bit registers hold a quarter of what
/// AVX-512's thirty-two hold, so the products go six queries by a column of 16 keys (or of 16 value dimensions) at a
/// time, the usual blocking of a product in AVX2: twelve accumulators, two loaded vectors and one broadcast. A
/// window's 16-entry term tables are looked up with two <c>vpermps</c> and a blend; 2^n is built in the exponent bits.
/// </summary>
/// <remarks>Not inlined, as for AVX-512: the accumulators would spill in the kernel's loops.</remarks>
internal readonly unsafe struct Avx2AttentionGroup : IFusedAttentionGroup
{
    private const int Column = 16;

    public static int Rows => 6;

    public static int QueriesPerItem => 48;

    /// <summary>Columns of 16: a tile's keys as (4, HeadDim, 16), its values as (4, KeysPerTile, 16), each column read from start to end.</summary>
    public static int PackedColumn => Column;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Scores(float* queries, long rowStride, int available, float* keys, int keyCount, float* scores)
    {
        float* q0 = queries, q1 = queries + Math.Min(1, available - 1) * rowStride, q2 = queries + Math.Min(2, available - 1) * rowStride,
            q3 = queries + Math.Min(3, available - 1) * rowStride, q4 = queries + Math.Min(4, available - 1) * rowStride,
            q5 = queries + Math.Min(5, available - 1) * rowStride;
        for (var column = 0; column < keyCount; column += Column)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
            Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
            var row = keys + column * HeadDim;
            for (nint d = 0; d < HeadDim; d++, row += Column)
            {
                var k0 = Vector256.Load(row); var k1 = Vector256.Load(row + 8);
                var q = Vector256.Create(q0[d]);
                a00 = Fma.MultiplyAdd(q, k0, a00); a01 = Fma.MultiplyAdd(q, k1, a01);
                q = Vector256.Create(q1[d]);
                a10 = Fma.MultiplyAdd(q, k0, a10); a11 = Fma.MultiplyAdd(q, k1, a11);
                q = Vector256.Create(q2[d]);
                a20 = Fma.MultiplyAdd(q, k0, a20); a21 = Fma.MultiplyAdd(q, k1, a21);
                q = Vector256.Create(q3[d]);
                a30 = Fma.MultiplyAdd(q, k0, a30); a31 = Fma.MultiplyAdd(q, k1, a31);
                q = Vector256.Create(q4[d]);
                a40 = Fma.MultiplyAdd(q, k0, a40); a41 = Fma.MultiplyAdd(q, k1, a41);
                q = Vector256.Create(q5[d]);
                a50 = Fma.MultiplyAdd(q, k0, a50); a51 = Fma.MultiplyAdd(q, k1, a51);
            }
            var destination = scores + column;
            Store2(destination, a00, a01);
            Store2(destination + KeysPerTile, a10, a11);
            Store2(destination + 2 * KeysPerTile, a20, a21);
            Store2(destination + 3 * KeysPerTile, a30, a31);
            Store2(destination + 4 * KeysPerTile, a40, a41);
            Store2(destination + 5 * KeysPerTile, a50, a51);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Softmax(in FusedAttentionOperands operands, FusedAttentionKeys keys, int sequence, int firstQuery, int tile,
        float* scores, float* maxima, float* sums, float* rescale)
    {
        var first = tile * KeysPerTile;
        var complete = keys.Valid[(first + KeysPerTile) / 16 - 1] == 16;
        for (var r = 0; r < Rows; r++)
        {
            var row = scores + r * KeysPerTile;
            var query = (long)sequence * operands.Tokens + Math.Min(firstQuery + r, operands.Tokens - 1);
            var termsH = (float*)operands.TermsHeight + query * operands.TermsHeightStride;
            var termsW = (float*)operands.TermsWidth + query * operands.TermsWidthStride;
            var s0 = Vector256.Load(row);
            var s1 = Vector256.Load(row + 8);
            var s2 = Vector256.Load(row + 16);
            var s3 = Vector256.Load(row + 24);
            var s4 = Vector256.Load(row + 32);
            var s5 = Vector256.Load(row + 40);
            var s6 = Vector256.Load(row + 48);
            var s7 = Vector256.Load(row + 56);
            if (operands.Layout != KeyBiasLayout.None)
            {
                s0 += Terms(operands.Layout, keys, first, termsH, termsW);
                s1 += Terms(operands.Layout, keys, first + 8, termsH, termsW);
                s2 += Terms(operands.Layout, keys, first + 16, termsH, termsW);
                s3 += Terms(operands.Layout, keys, first + 24, termsH, termsW);
                s4 += Terms(operands.Layout, keys, first + 32, termsH, termsW);
                s5 += Terms(operands.Layout, keys, first + 40, termsH, termsW);
                s6 += Terms(operands.Layout, keys, first + 48, termsH, termsW);
                s7 += Terms(operands.Layout, keys, first + 56, termsH, termsW);
            }
            if (!complete)
            {
                s0 = MaskMissing(s0, keys, first);
                s1 = MaskMissing(s1, keys, first + 8);
                s2 = MaskMissing(s2, keys, first + 16);
                s3 = MaskMissing(s3, keys, first + 24);
                s4 = MaskMissing(s4, keys, first + 32);
                s5 = MaskMissing(s5, keys, first + 40);
                s6 = MaskMissing(s6, keys, first + 48);
                s7 = MaskMissing(s7, keys, first + 56);
            }

            var highest = Avx.Max(Avx.Max(Avx.Max(s0, s1), Avx.Max(s2, s3)), Avx.Max(Avx.Max(s4, s5), Avx.Max(s6, s7)));
            var maximum = maxima[r];
            var sum = sums + r * 16;
            rescale[r] = 1f;
            if (Vector256.GreaterThanAny(highest, Vector256.Create(maximum + Headroom)))
            {
                var raised = Vector256.Max(highest, Vector256.Shuffle(highest, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
                raised = Vector256.Max(raised, Vector256.Shuffle(raised, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
                rescale[r] = RaiseMaximum(ref maxima[r], MathF.Max(raised.GetElement(0), raised.GetElement(1)));
                var factor = Vector256.Create(rescale[r]);
                (Vector256.Load(sum) * factor).Store(sum);
                (Vector256.Load(sum + 8) * factor).Store(sum + 8);
                maximum = maxima[r];
            }
            var shift = Vector256.Create(maximum);
            s0 = Exp2(s0 - shift);
            s1 = Exp2(s1 - shift);
            s2 = Exp2(s2 - shift);
            s3 = Exp2(s3 - shift);
            s4 = Exp2(s4 - shift);
            s5 = Exp2(s5 - shift);
            s6 = Exp2(s6 - shift);
            s7 = Exp2(s7 - shift);
            Store2(row, s0, s1);
            Store2(row + 16, s2, s3);
            Store2(row + 32, s4, s5);
            Store2(row + 48, s6, s7);
            (Vector256.Load(sum) + ((s0 + s2) + (s4 + s6))).Store(sum);
            (Vector256.Load(sum + 8) + ((s1 + s3) + (s5 + s7))).Store(sum + 8);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AccumulateValues(float* terms, float* values, int keyCount, float* accumulated, float* rescale)
    {
        for (var column = 0; column < HeadDim; column += Column)
        {
            var o = accumulated + column;
            Vector256<float> c00 = Scaled(o, rescale[0]), c01 = Scaled(o + 8, rescale[0]);
            Vector256<float> c10 = Scaled(o + HeadDim, rescale[1]), c11 = Scaled(o + HeadDim + 8, rescale[1]);
            Vector256<float> c20 = Scaled(o + 2 * HeadDim, rescale[2]), c21 = Scaled(o + 2 * HeadDim + 8, rescale[2]);
            Vector256<float> c30 = Scaled(o + 3 * HeadDim, rescale[3]), c31 = Scaled(o + 3 * HeadDim + 8, rescale[3]);
            Vector256<float> c40 = Scaled(o + 4 * HeadDim, rescale[4]), c41 = Scaled(o + 4 * HeadDim + 8, rescale[4]);
            Vector256<float> c50 = Scaled(o + 5 * HeadDim, rescale[5]), c51 = Scaled(o + 5 * HeadDim + 8, rescale[5]);
            var row = values + column * KeysPerTile;
            for (nint j = 0; j < keyCount; j++, row += Column)
            {
                var v0 = Vector256.Load(row); var v1 = Vector256.Load(row + 8);
                var p = Vector256.Create(terms[j]);
                c00 = Fma.MultiplyAdd(p, v0, c00); c01 = Fma.MultiplyAdd(p, v1, c01);
                p = Vector256.Create(terms[KeysPerTile + j]);
                c10 = Fma.MultiplyAdd(p, v0, c10); c11 = Fma.MultiplyAdd(p, v1, c11);
                p = Vector256.Create(terms[2 * KeysPerTile + j]);
                c20 = Fma.MultiplyAdd(p, v0, c20); c21 = Fma.MultiplyAdd(p, v1, c21);
                p = Vector256.Create(terms[3 * KeysPerTile + j]);
                c30 = Fma.MultiplyAdd(p, v0, c30); c31 = Fma.MultiplyAdd(p, v1, c31);
                p = Vector256.Create(terms[4 * KeysPerTile + j]);
                c40 = Fma.MultiplyAdd(p, v0, c40); c41 = Fma.MultiplyAdd(p, v1, c41);
                p = Vector256.Create(terms[5 * KeysPerTile + j]);
                c50 = Fma.MultiplyAdd(p, v0, c50); c51 = Fma.MultiplyAdd(p, v1, c51);
            }
            Store2(o, c00, c01);
            Store2(o + HeadDim, c10, c11);
            Store2(o + 2 * HeadDim, c20, c21);
            Store2(o + 3 * HeadDim, c30, c31);
            Store2(o + 4 * HeadDim, c40, c41);
            Store2(o + 5 * HeadDim, c50, c51);
        }
    }

    /// <summary>
    /// 2^x lane-wise, within 2 ulp: x = n + f with |f| ≤ 1/2, 2^f by <see cref="Exp2Polynomial"/>, times 2^n written
    /// as a float's exponent bits (n ≥ −125 after the clamp, so 2^n is a normal float).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp2(Vector256<float> x)
    {
        x = Avx.Max(x, Vector256.Create(LowestExponent));
        var n = Avx.RoundToNearestInteger(x);
        var f = x - n;
        var p = Vector256.Create(Exp2Polynomial.C7);
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C6));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C5));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C4));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C3));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C2));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C1));
        p = Fma.MultiplyAdd(p, f, Vector256.Create(Exp2Polynomial.C0));
        var power = Avx2.ShiftLeftLogical(Avx2.Add(Avx.ConvertToVector256Int32WithTruncation(n), Vector256.Create(127)), 23);
        return p * power.AsSingle();
    }

    /// <summary>The relative-position terms of one query (its height and width terms) for the 8 keys from <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Terms(KeyBiasLayout layout, FusedAttentionKeys keys, int key, float* termsH, float* termsW) =>
        layout == KeyBiasLayout.GridRows
            ? Vector256.Create(termsH[keys.Rows[key]]) + Vector256.Load(termsW + keys.Columns[key])
            : Lookup(termsH, Vector256.Load(keys.Rows + key)) + Lookup(termsW, Vector256.Load(keys.Columns + key));

    /// <summary>table[index] lane-wise for a table of 16 floats: a permutation of each half, and a blend by which half holds the entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lookup(float* table, Vector256<int> index) =>
        Avx.BlendVariable(Avx2.PermuteVar8x32(Vector256.Load(table), index), Avx2.PermuteVar8x32(Vector256.Load(table + 8), index),
            Avx2.CompareGreaterThan(index, Vector256.Create(7)).AsSingle());

    /// <summary>The scores of the 8 lanes from <paramref name="key"/>, with <see cref="MissingKey"/> in those past the last key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MaskMissing(Vector256<float> scores, FusedAttentionKeys keys, int key) =>
        Vector256.ConditionalSelect(
            Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) + Vector256.Create(key % 16), Vector256.Create(keys.Valid[key / 16])).AsSingle(),
            scores, Vector256.Create(MissingKey));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Scaled(float* source, float factor) => Vector256.Load(source) * Vector256.Create(factor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store2(float* destination, Vector256<float> a, Vector256<float> b)
    {
        a.Store(destination);
        b.Store(destination + 8);
    }
}
