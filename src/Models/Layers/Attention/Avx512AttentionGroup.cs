using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static ModelGen.Models.Layers.Attention.FusedAttentionKernel;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// <see cref="FusedAttentionKernel"/>'s group work in AVX-512: groups of six queries, whose 64 scores of a tile, and
/// whose 64 value dimensions, are twenty-four of the thirty-two registers each (four queries, sixteen, ran 3-11 %
/// slower); 2^n is <c>vscalefps</c>.
/// </summary>
/// <remarks>Not inlined: inlined into the kernel's loops, the accumulators spill.</remarks>
internal readonly unsafe struct Avx512AttentionGroup : IFusedAttentionGroup
{
    private const int VectorsPerTile = KeysPerTile / 16;

    public static int Rows => 6;

    public static int QueriesPerItem => 48;

    /// <summary>Whole rows: a tile's keys as (HeadDim, KeysPerTile), its values as (KeysPerTile, HeadDim).</summary>
    public static int PackedColumn => KeysPerTile;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Scores(float* queries, long rowStride, int available, float* keys, int keyCount, float* scores)
    {
        float* q0 = queries, q1 = queries + Math.Min(1, available - 1) * rowStride, q2 = queries + Math.Min(2, available - 1) * rowStride,
            q3 = queries + Math.Min(3, available - 1) * rowStride, q4 = queries + Math.Min(4, available - 1) * rowStride,
            q5 = queries + Math.Min(5, available - 1) * rowStride;
        if (keyCount <= 16)
        {
            ScoresOfOneVector(q0, q1, q2, q3, q4, q5, keys, scores);
            return;
        }
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        var row = keys;
        for (nint d = 0; d < HeadDim; d++, row += KeysPerTile)
        {
            var k0 = Vector512.Load(row); var k1 = Vector512.Load(row + 16); var k2 = Vector512.Load(row + 32); var k3 = Vector512.Load(row + 48);
            var b0 = Vector512.Create(q0[d]);
            a00 = Fma(b0, k0, a00); a01 = Fma(b0, k1, a01); a02 = Fma(b0, k2, a02); a03 = Fma(b0, k3, a03);
            var b1 = Vector512.Create(q1[d]);
            a10 = Fma(b1, k0, a10); a11 = Fma(b1, k1, a11); a12 = Fma(b1, k2, a12); a13 = Fma(b1, k3, a13);
            var b2 = Vector512.Create(q2[d]);
            a20 = Fma(b2, k0, a20); a21 = Fma(b2, k1, a21); a22 = Fma(b2, k2, a22); a23 = Fma(b2, k3, a23);
            var b3 = Vector512.Create(q3[d]);
            a30 = Fma(b3, k0, a30); a31 = Fma(b3, k1, a31); a32 = Fma(b3, k2, a32); a33 = Fma(b3, k3, a33);
            var b4 = Vector512.Create(q4[d]);
            a40 = Fma(b4, k0, a40); a41 = Fma(b4, k1, a41); a42 = Fma(b4, k2, a42); a43 = Fma(b4, k3, a43);
            var b5 = Vector512.Create(q5[d]);
            a50 = Fma(b5, k0, a50); a51 = Fma(b5, k1, a51); a52 = Fma(b5, k2, a52); a53 = Fma(b5, k3, a53);
        }
        Store4(scores, a00, a01, a02, a03);
        Store4(scores + KeysPerTile, a10, a11, a12, a13);
        Store4(scores + 2 * KeysPerTile, a20, a21, a22, a23);
        Store4(scores + 3 * KeysPerTile, a30, a31, a32, a33);
        Store4(scores + 4 * KeysPerTile, a40, a41, a42, a43);
        Store4(scores + 5 * KeysPerTile, a50, a51, a52, a53);
    }

    /// <summary>The scores of a tile's first 16 keys only: a window's last tile (196 keys leave 4).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScoresOfOneVector(float* q0, float* q1, float* q2, float* q3, float* q4, float* q5, float* keys, float* scores)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        var row = keys;
        for (nint d = 0; d < HeadDim; d++, row += KeysPerTile)
        {
            var k = Vector512.Load(row);
            a0 = Fma(Vector512.Create(q0[d]), k, a0);
            a1 = Fma(Vector512.Create(q1[d]), k, a1);
            a2 = Fma(Vector512.Create(q2[d]), k, a2);
            a3 = Fma(Vector512.Create(q3[d]), k, a3);
            a4 = Fma(Vector512.Create(q4[d]), k, a4);
            a5 = Fma(Vector512.Create(q5[d]), k, a5);
        }
        a0.Store(scores);
        a1.Store(scores + KeysPerTile);
        a2.Store(scores + 2 * KeysPerTile);
        a3.Store(scores + 3 * KeysPerTile);
        a4.Store(scores + 4 * KeysPerTile);
        a5.Store(scores + 5 * KeysPerTile);
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
                rescale[r] = RaiseMaximum(ref maxima[r], HorizontalMax(highest));
                sum = Avx512F.Multiply(sum, Vector512.Create(rescale[r]));
                maximum = maxima[r];
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
        float* o0 = accumulated, o1 = o0 + HeadDim, o2 = o0 + 2 * HeadDim, o3 = o0 + 3 * HeadDim, o4 = o0 + 4 * HeadDim, o5 = o0 + 5 * HeadDim;
        Vector512<float> c00 = Scaled(o0, rescale[0]), c01 = Scaled(o0 + 16, rescale[0]), c02 = Scaled(o0 + 32, rescale[0]), c03 = Scaled(o0 + 48, rescale[0]);
        Vector512<float> c10 = Scaled(o1, rescale[1]), c11 = Scaled(o1 + 16, rescale[1]), c12 = Scaled(o1 + 32, rescale[1]), c13 = Scaled(o1 + 48, rescale[1]);
        Vector512<float> c20 = Scaled(o2, rescale[2]), c21 = Scaled(o2 + 16, rescale[2]), c22 = Scaled(o2 + 32, rescale[2]), c23 = Scaled(o2 + 48, rescale[2]);
        Vector512<float> c30 = Scaled(o3, rescale[3]), c31 = Scaled(o3 + 16, rescale[3]), c32 = Scaled(o3 + 32, rescale[3]), c33 = Scaled(o3 + 48, rescale[3]);
        Vector512<float> c40 = Scaled(o4, rescale[4]), c41 = Scaled(o4 + 16, rescale[4]), c42 = Scaled(o4 + 32, rescale[4]), c43 = Scaled(o4 + 48, rescale[4]);
        Vector512<float> c50 = Scaled(o5, rescale[5]), c51 = Scaled(o5 + 16, rescale[5]), c52 = Scaled(o5 + 32, rescale[5]), c53 = Scaled(o5 + 48, rescale[5]);
        var row = values;
        for (nint j = 0; j < keyCount; j++, row += HeadDim)
        {
            var v0 = Vector512.Load(row); var v1 = Vector512.Load(row + 16); var v2 = Vector512.Load(row + 32); var v3 = Vector512.Load(row + 48);
            var p0 = Vector512.Create(terms[j]);
            c00 = Fma(p0, v0, c00); c01 = Fma(p0, v1, c01); c02 = Fma(p0, v2, c02); c03 = Fma(p0, v3, c03);
            var p1 = Vector512.Create(terms[KeysPerTile + j]);
            c10 = Fma(p1, v0, c10); c11 = Fma(p1, v1, c11); c12 = Fma(p1, v2, c12); c13 = Fma(p1, v3, c13);
            var p2 = Vector512.Create(terms[2 * KeysPerTile + j]);
            c20 = Fma(p2, v0, c20); c21 = Fma(p2, v1, c21); c22 = Fma(p2, v2, c22); c23 = Fma(p2, v3, c23);
            var p3 = Vector512.Create(terms[3 * KeysPerTile + j]);
            c30 = Fma(p3, v0, c30); c31 = Fma(p3, v1, c31); c32 = Fma(p3, v2, c32); c33 = Fma(p3, v3, c33);
            var p4 = Vector512.Create(terms[4 * KeysPerTile + j]);
            c40 = Fma(p4, v0, c40); c41 = Fma(p4, v1, c41); c42 = Fma(p4, v2, c42); c43 = Fma(p4, v3, c43);
            var p5 = Vector512.Create(terms[5 * KeysPerTile + j]);
            c50 = Fma(p5, v0, c50); c51 = Fma(p5, v1, c51); c52 = Fma(p5, v2, c52); c53 = Fma(p5, v3, c53);
        }
        Store4(o0, c00, c01, c02, c03);
        Store4(o1, c10, c11, c12, c13);
        Store4(o2, c20, c21, c22, c23);
        Store4(o3, c30, c31, c32, c33);
        Store4(o4, c40, c41, c42, c43);
        Store4(o5, c50, c51, c52, c53);
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
    private static Vector512<float> Scaled(float* source, float factor) => Avx512F.Multiply(Vector512.Load(source), Vector512.Create(factor));

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
