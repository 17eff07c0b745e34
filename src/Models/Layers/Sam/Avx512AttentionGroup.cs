using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static ModelGen.Models.Layers.Sam.FusedAttentionKernel;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// <see cref="FusedAttentionKernel"/>'s group work in AVX-512: groups of four queries, whose 64 scores of a tile, and
/// whose 64 value dimensions, are sixteen registers each; 2^n is <c>vscalefps</c>.
/// </summary>
/// <remarks>Not inlined: inlined into the kernel's loops, the sixteen accumulators spill.</remarks>
internal readonly unsafe struct Avx512AttentionGroup : IFusedAttentionGroup
{
    private const int VectorsPerTile = KeysPerTile / 16;

    public static int Rows => 4;

    public static int QueriesPerItem => 64;

    /// <summary>Whole rows: a tile's keys as (HeadDim, KeysPerTile), its values as (KeysPerTile, HeadDim).</summary>
    public static int PackedColumn => KeysPerTile;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Scores(float* queries, long rowStride, int available, float* keys, float* scores)
    {
        float* q0 = queries, q1 = queries + Math.Min(1, available - 1) * rowStride,
            q2 = queries + Math.Min(2, available - 1) * rowStride, q3 = queries + Math.Min(3, available - 1) * rowStride;
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Softmax(in FusedAttentionOperands operands, FusedAttentionKeys keys, int sequence, int firstQuery, int tile,
        float* scores, float* maxima, float* sums, float* rescale)
    {
        var first = tile * VectorsPerTile;
        var complete = keys.Valid[first + VectorsPerTile - 1] == 16;
        for (var r = 0; r < Rows; r++)
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void AccumulateValues(float* terms, float* values, int keyCount, float* accumulated, float* rescale)
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

    /// <summary>2^x lane-wise, within 2 ulp: x = n + f with |f| ≤ 1/2, 2^f by <see cref="Exp2Polynomial"/>, times 2^n by <c>vscalefps</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp2(Vector512<float> x)
    {
        x = Avx512F.Max(x, Vector512.Create(LowestExponent));
        var n = Avx512F.RoundScale(x, 0);
        var f = Avx512F.Subtract(x, n);
        var p = Vector512.Create(Exp2Polynomial.C7);
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C6));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C5));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C4));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C3));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C2));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C1));
        p = Fma(p, f, Vector512.Create(Exp2Polynomial.C0));
        return Avx512F.Scale(p, n);
    }

    /// <summary>The relative-position terms of one query (its height and width terms) for the keys of one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Terms(KeyBiasLayout layout, FusedAttentionKeys keys, int vector, float* termsH, float* termsW) =>
        layout == KeyBiasLayout.GridRows
            ? Avx512F.Add(Vector512.Create(termsH[keys.Rows[vector * 16]]), Vector512.Load(termsW + keys.Columns[vector * 16]))
            : Avx512F.Add(Avx512F.PermuteVar16x32(Vector512.Load(termsH), Vector512.Load(keys.Rows + vector * 16)),
                Avx512F.PermuteVar16x32(Vector512.Load(termsW), Vector512.Load(keys.Columns + vector * 16)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MaskMissing(Vector512<float> scores, int validLanes) =>
        Vector512.ConditionalSelect(
            Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(validLanes)).AsSingle(),
            scores, Vector512.Create(MissingKey));

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

    private static float HorizontalMax(Vector512<float> x)
    {
        var half = Vector256.Max(x.GetLower(), x.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        quarter = Vector128.Max(quarter, Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(quarter.GetElement(0), quarter.GetElement(1));
    }
}
