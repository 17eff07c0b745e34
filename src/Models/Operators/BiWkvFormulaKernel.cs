using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>
/// The Bi-WKV formula and its gradient in O(T·C). Every output is a weighted mean of <c>v</c>; the weights of the
/// tokens left of t form a running sum over t (decay exp(-w) per step, new token exp(k)), likewise from the right, so
/// one left-to-right and one right-to-left scan per (batch, channel) suffice. Arithmetic is float64. Work is split into
/// blocks of 16 channels of one batch element, which share cache lines.
/// <para>
/// When every weight of a block, relative to exp(max k) of its channel, lies within exp(±<see cref="DirectSpanLimit"/>),
/// the "direct" scans use plain sums scaled by exp(-max k): one exp per element (exp(k - max k)), decay as a product
/// with exp(-w). They run over one group of four channels after the other. Otherwise the block falls back to sums in
/// log-scaled form (<see cref="LogScale"/>), which are stable for any inputs but need several exps per element; those
/// scans go over tokens and, per token, over the block's groups.
/// </para>
/// </summary>
// Scan methods are called only a few dozen times per call of the operator, too rarely for tiered compilation to
// optimise them soon; they are compiled fully optimised right away.
internal static unsafe class BiWkvFormulaKernel
{
    private const int ChannelsPerBlock = BiWkvShape.BlockChannels;
    private const int GroupsPerBlock = ChannelsPerBlock / LaneIO.Width;
    private const int ForwardFields = 3;
    private const int BackwardFields = 5;

    /// <summary>
    /// Bound on log of the ratios between weights (and on |u|) for the direct scans. Products of two weights, of a
    /// weight and an inverse denominator, times the T-fold sums and float32-sized gradients, stay far inside float64's
    /// exp(±708).
    /// </summary>
    private const double DirectSpanLimit = 200;

    public static void Forward<TScalar>(BiWkvShape shape, double[] w, double[] u, nint k, nint v, nint y)
        where TScalar : unmanaged
    {
        Parallel.For(0, shape.Batch * shape.BlocksPerBatch,
            () => ArrayPool<double>.Shared.Rent(shape.Tokens * ChannelsPerBlock * ForwardFields),
            (block, _, scratch) =>
            {
                fixed (double* saved = scratch)
                    ForwardBlock(shape, block, w, u, (TScalar*)k, (TScalar*)v, (TScalar*)y, saved);
                return scratch;
            },
            scratch => ArrayPool<double>.Shared.Return(scratch));
    }

    /// <summary>
    /// Gradients of <c>sum(gradY · y)</c>. <paramref name="gradW"/> and <paramref name="gradU"/> (length C) are
    /// overwritten with sums over batch and tokens. <paramref name="gradY"/> is read with
    /// <paramref name="gradYStrides"/>, all other tensors are contiguous.
    /// </summary>
    public static void Backward<TScalar>(BiWkvShape shape, double[] w, double[] u, nint k, nint v, nint gradY,
        BiWkvStrides gradYStrides, nint gradK, nint gradV, double[] gradW, double[] gradU) where TScalar : unmanaged
    {
        var gradWPerBatch = new double[shape.Batch * shape.Channels];
        var gradUPerBatch = new double[shape.Batch * shape.Channels];
        Parallel.For(0, shape.Batch * shape.BlocksPerBatch,
            () => ArrayPool<double>.Shared.Rent(shape.Tokens * ChannelsPerBlock * BackwardFields),
            (block, _, scratch) =>
            {
                fixed (double* saved = scratch)
                    BackwardBlock(shape, block, w, u, (TScalar*)k, (TScalar*)v, (TScalar*)gradY, gradYStrides,
                        (TScalar*)gradK, (TScalar*)gradV, gradWPerBatch, gradUPerBatch, saved);
                return scratch;
            },
            scratch => ArrayPool<double>.Shared.Return(scratch));

        Array.Clear(gradW);
        Array.Clear(gradU);
        for (var b = 0; b < shape.Batch; b++)
        for (var c = 0; c < shape.Channels; c++)
        {
            gradW[c] += gradWPerBatch[b * shape.Channels + c];
            gradU[c] += gradUPerBatch[b * shape.Channels + c];
        }
    }

    private static int Lanes(int count, int group) => Math.Min(LaneIO.Width, count - group * LaneIO.Width);

    private static int Groups(int count) => (count + LaneIO.Width - 1) / LaneIO.Width;

    private static void ForwardBlock<TScalar>(BiWkvShape shape, int block, double[] w, double[] u, TScalar* k,
        TScalar* v, TScalar* y, double* saved) where TScalar : unmanaged
    {
        var (batch, firstChannel, count) = shape.Block(block);
        Span<Vector256<double>> reference = stackalloc Vector256<double>[GroupsPerBlock];
        if (TryDirectReference(shape, batch, firstChannel, count, w, u, k, reference))
            ForwardBlockDirect(shape, batch, firstChannel, count, w, u, reference, k, v, y, saved);
        else
            ForwardBlockLogScaled(shape, batch, firstChannel, count, w, u, k, v, y, saved);
    }

    /// <summary>
    /// Writes max over tokens of k per channel to <paramref name="reference"/> and tells whether the direct scans are
    /// safe: (max k - min k) + |w|·T + |u| at most <see cref="DirectSpanLimit"/> in every channel of the block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryDirectReference<TScalar>(BiWkvShape shape, int batch, int firstChannel, int count,
        double[] w, double[] u, TScalar* k, Span<Vector256<double>> reference) where TScalar : unmanaged
    {
        var groups = Groups(count);
        Span<Vector256<double>> minimum = stackalloc Vector256<double>[GroupsPerBlock];
        reference.Fill(Vector256.Create(double.NegativeInfinity));
        minimum.Fill(Vector256.Create(double.PositiveInfinity));
        var start = shape.Offset(batch, 0, firstChannel);
        for (var t = 0; t < shape.Tokens; t++)
        {
            var offset = start + (long)t * shape.TokenStride;
            for (var g = 0; g < groups; g++)
            {
                var kt = LaneIO.Load(k + offset + g * LaneIO.Width, Lanes(count, g));
                reference[g] = Vector256.Max(reference[g], kt);
                minimum[g] = Vector256.Min(minimum[g], kt);
            }
        }

        var limit = Vector256.Create(DirectSpanLimit);
        for (var g = 0; g < groups; g++)
        {
            var lanes = Lanes(count, g);
            var span = reference[g] - minimum[g]
                       + Vector256.Abs(LaneIO.Load(w, firstChannel + g * LaneIO.Width, lanes)) * shape.Tokens
                       + Vector256.Abs(LaneIO.Load(u, firstChannel + g * LaneIO.Width, lanes));
            // Written so that NaN fails the test.
            if (!Vector256.LessThanOrEqualAll(span, limit))
                return false;
        }
        return true;
    }

    /// <summary>The direct forward scans, one group of four channels after the other (see <see cref="ForwardGroupDirect{TScalar}"/>).</summary>
    private static void ForwardBlockDirect<TScalar>(BiWkvShape shape, int batch, int firstChannel, int count,
        double[] w, double[] u, ReadOnlySpan<Vector256<double>> reference, TScalar* k, TScalar* v, TScalar* y,
        double* saved) where TScalar : unmanaged
    {
        for (var g = 0; g < Groups(count); g++)
        {
            var channel = firstChannel + g * LaneIO.Width;
            var lanes = Lanes(count, g);
            var first = shape.Offset(batch, 0, channel);
            ForwardGroupDirect(shape.Tokens, shape.TokenStride, lanes, LaneIO.Load(w, channel, lanes),
                LaneIO.Load(u, channel, lanes), reference[g], k + first, v + first, y + first, saved);
        }
    }

    /// <remarks>
    /// One group at a time keeps the running sums in registers and the group's scratch (per token: the left sums
    /// before that token, numerator and denominator, and exp(k - reference)) small enough for the L2 cache. Sums are
    /// scaled by exp(-reference).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardGroupDirect<TScalar>(int tokens, int tokenStride, int lanes, Vector256<double> w,
        Vector256<double> u, Vector256<double> reference, TScalar* k, TScalar* v, TScalar* y, double* saved)
        where TScalar : unmanaged
    {
        const int slotLength = ForwardFields * LaneIO.Width;
        var decay = Vector256.Exp(-w);
        var bonus = Vector256.Exp(u);

        var num = Vector256<double>.Zero;
        var den = Vector256<double>.Zero;
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * tokenStride;
            var slot = saved + (long)t * slotLength;
            var weight = ScanExp.Exp(LaneIO.Load(k + offset, lanes) - reference);
            var vt = LaneIO.Load(v + offset, lanes);
            num.Store(slot);
            den.Store(slot + LaneIO.Width);
            weight.Store(slot + 2 * LaneIO.Width);
            num = Vector256.MultiplyAddEstimate(decay, num, weight * vt);
            den = Vector256.MultiplyAddEstimate(decay, den, weight);
        }

        num = Vector256<double>.Zero;
        den = Vector256<double>.Zero;
        for (var t = tokens - 1; t >= 0; t--)
        {
            var offset = (long)t * tokenStride;
            var slot = saved + (long)t * slotLength;
            var vt = LaneIO.Load(v + offset, lanes);
            var weight = Vector256.Load(slot + 2 * LaneIO.Width);
            var self = bonus * weight;
            var yt = (Vector256.Load(slot) + num + self * vt) / (Vector256.Load(slot + LaneIO.Width) + den + self);
            LaneIO.Store(yt, y + offset, lanes);
            num = Vector256.MultiplyAddEstimate(decay, num, weight * vt);
            den = Vector256.MultiplyAddEstimate(decay, den, weight);
        }
    }

    /// <remarks><c>saved</c> holds per token the left sums (numerator, denominator mantissas, exponent) before that token.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBlockLogScaled<TScalar>(BiWkvShape shape, int batch, int firstChannel, int count,
        double[] w, double[] u, TScalar* k, TScalar* v, TScalar* y, double* saved) where TScalar : unmanaged
    {
        var groups = Groups(count);
        Span<Vector256<double>> decay = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> bonus = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> num = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> den = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> exponent = stackalloc Vector256<double>[GroupsPerBlock];
        for (var g = 0; g < groups; g++)
        {
            decay[g] = LaneIO.Load(w, firstChannel + g * LaneIO.Width, Lanes(count, g));
            bonus[g] = LaneIO.Load(u, firstChannel + g * LaneIO.Width, Lanes(count, g));
        }

        var start = shape.Offset(batch, 0, firstChannel);
        num.Clear();
        den.Clear();
        exponent.Fill(Vector256.Create(LogScale.Empty));
        for (var t = 0; t < shape.Tokens; t++)
        {
            var offset = start + (long)t * shape.TokenStride;
            var slot = saved + (long)t * ForwardFields * ChannelsPerBlock;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                num[g].Store(slot + lane);
                den[g].Store(slot + ChannelsPerBlock + lane);
                exponent[g].Store(slot + 2 * ChannelsPerBlock + lane);
                var (old, term) = LogScale.Step(ref exponent[g], decay[g], kt);
                num[g] = old * num[g] + term * vt;
                den[g] = old * den[g] + term;
            }
        }

        num.Clear();
        den.Clear();
        exponent.Fill(Vector256.Create(LogScale.Empty));
        for (var t = shape.Tokens - 1; t >= 0; t--)
        {
            var offset = start + (long)t * shape.TokenStride;
            var slot = saved + (long)t * ForwardFields * ChannelsPerBlock;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                var leftNum = Vector256.Load(slot + lane);
                var leftDen = Vector256.Load(slot + ChannelsPerBlock + lane);
                var leftExponent = Vector256.Load(slot + 2 * ChannelsPerBlock + lane);
                var (left, right, self) = LogScale.Align(leftExponent, exponent[g], bonus[g] + kt, out _);
                var yt = (leftNum * left + num[g] * right + vt * self) / (leftDen * left + den[g] * right + self);
                LaneIO.Store(yt, y + offset + lane, lanes);
                var (old, term) = LogScale.Step(ref exponent[g], decay[g], kt);
                num[g] = old * num[g] + term * vt;
                den[g] = old * den[g] + term;
            }
        }
    }

    private static void BackwardBlock<TScalar>(BiWkvShape shape, int block, double[] w, double[] u, TScalar* k,
        TScalar* v, TScalar* gradY, BiWkvStrides gradYStrides, TScalar* gradK, TScalar* gradV,
        double[] gradWPerBatch, double[] gradUPerBatch, double* saved) where TScalar : unmanaged
    {
        var (batch, firstChannel, count) = shape.Block(block);
        Span<Vector256<double>> reference = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> gradW = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> gradU = stackalloc Vector256<double>[GroupsPerBlock];
        if (TryDirectReference(shape, batch, firstChannel, count, w, u, k, reference))
            BackwardBlockDirect(shape, batch, firstChannel, count, w, u, reference, k, v, gradY, gradYStrides, gradK,
                gradV, gradW, gradU, saved);
        else
            BackwardBlockLogScaled(shape, batch, firstChannel, count, w, u, k, v, gradY, gradYStrides, gradK, gradV,
                gradW, gradU, saved);

        for (var g = 0; g < Groups(count); g++)
        for (var lane = 0; lane < Lanes(count, g); lane++)
        {
            var index = batch * shape.Channels + firstChannel + g * LaneIO.Width + lane;
            gradWPerBatch[index] = gradW[g].GetElement(lane);
            gradUPerBatch[index] = gradU[g].GetElement(lane);
        }
    }

    /// <summary>
    /// The gradients of <see cref="BackwardBlockLogScaled{TScalar}"/> with sums scaled by exp(-reference), one group
    /// of four channels after the other (see <see cref="BackwardGroupDirect{TScalar}"/>). The scale cancels: q_t
    /// carries exp(+reference), every weight exp(-reference).
    /// </summary>
    private static void BackwardBlockDirect<TScalar>(BiWkvShape shape, int batch, int firstChannel, int count,
        double[] w, double[] u, ReadOnlySpan<Vector256<double>> reference, TScalar* k, TScalar* v, TScalar* gradY,
        BiWkvStrides gradYStrides, TScalar* gradK, TScalar* gradV, Span<Vector256<double>> gradW,
        Span<Vector256<double>> gradU, double* saved)
        where TScalar : unmanaged
    {
        for (var g = 0; g < Groups(count); g++)
        {
            var channel = firstChannel + g * LaneIO.Width;
            var lanes = Lanes(count, g);
            var first = shape.Offset(batch, 0, channel);
            (gradW[g], gradU[g]) = BackwardGroupDirect(shape.Tokens, shape.TokenStride, lanes,
                LaneIO.Load(w, channel, lanes), LaneIO.Load(u, channel, lanes), reference[g], k + first, v + first,
                gradY + gradYStrides.Start(shape, batch, channel), gradYStrides.TokenStride(shape), gradYStrides.Channel,
                gradK + first, gradV + first, saved);
        }
    }

    /// <returns>The group's gradients of w and u.</returns>
    /// <remarks>
    /// <c>saved</c> holds per token, first: the left sums before that token (numerator, denominator, their
    /// distance-weighted versions) and exp(k - reference); then, after the right-to-left pass: q_t, y_t, the parts of
    /// gradV and gradK from tokens at or right of t, and still exp(k - reference).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Vector256<double> GradW, Vector256<double> GradU) BackwardGroupDirect<TScalar>(int tokens,
        int tokenStride, int lanes, Vector256<double> w, Vector256<double> u, Vector256<double> reference, TScalar* k,
        TScalar* v, TScalar* gradY, long gradYTokenStride, long gradYChannelStride, TScalar* gradK, TScalar* gradV,
        double* saved) where TScalar : unmanaged
    {
        const int slotLength = BackwardFields * LaneIO.Width;
        const int width = LaneIO.Width;
        var decay = Vector256.Exp(-w);
        var bonus = Vector256.Exp(u);

        var num = Vector256<double>.Zero;
        var den = Vector256<double>.Zero;
        var distanceNum = Vector256<double>.Zero;
        var distanceDen = Vector256<double>.Zero;
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * tokenStride;
            var slot = saved + (long)t * slotLength;
            var weight = ScanExp.Exp(LaneIO.Load(k + offset, lanes) - reference);
            var vt = LaneIO.Load(v + offset, lanes);
            num.Store(slot);
            den.Store(slot + width);
            distanceNum.Store(slot + 2 * width);
            distanceDen.Store(slot + 3 * width);
            weight.Store(slot + 4 * width);
            distanceNum = decay * (distanceNum + num);
            distanceDen = decay * (distanceDen + den);
            num = Vector256.MultiplyAddEstimate(decay, num, weight * vt);
            den = Vector256.MultiplyAddEstimate(decay, den, weight);
        }

        num = Vector256<double>.Zero;
        den = Vector256<double>.Zero;
        distanceNum = Vector256<double>.Zero;
        distanceDen = Vector256<double>.Zero;
        var adjoint = Vector256<double>.Zero;
        var adjointTimesY = Vector256<double>.Zero;
        var gradW = Vector256<double>.Zero;
        var gradU = Vector256<double>.Zero;
        for (var t = tokens - 1; t >= 0; t--)
        {
            var offset = (long)t * tokenStride;
            var slot = saved + (long)t * slotLength;
            var vt = LaneIO.Load(v + offset, lanes);
            var gt = LaneIO.Load(gradY + t * gradYTokenStride, gradYChannelStride, lanes);
            var weight = Vector256.Load(slot + 4 * width);
            var self = bonus * weight;
            var inverse = Vector256<double>.One / (Vector256.Load(slot + width) + den + self);
            var yt = (Vector256.Load(slot) + num + self * vt) * inverse;
            var qt = gt * inverse;
            var selfPart = qt * self;
            var selfGradK = selfPart * (vt - yt);
            gradU += selfGradK;
            gradW -= qt * (Vector256.Load(slot + 2 * width) + distanceNum
                           - yt * (Vector256.Load(slot + 3 * width) + distanceDen));

            qt.Store(slot);
            yt.Store(slot + width);
            Vector256.MultiplyAddEstimate(weight, adjoint, selfPart).Store(slot + 2 * width);
            Vector256.MultiplyAddEstimate(weight, vt * adjoint - adjointTimesY, selfGradK).Store(slot + 3 * width);

            adjoint = Vector256.MultiplyAddEstimate(decay, adjoint, qt);
            adjointTimesY = Vector256.MultiplyAddEstimate(decay, adjointTimesY, qt * yt);
            distanceNum = decay * (distanceNum + num);
            distanceDen = decay * (distanceDen + den);
            num = Vector256.MultiplyAddEstimate(decay, num, weight * vt);
            den = Vector256.MultiplyAddEstimate(decay, den, weight);
        }

        adjoint = Vector256<double>.Zero;
        adjointTimesY = Vector256<double>.Zero;
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * tokenStride;
            var slot = saved + (long)t * slotLength;
            var vt = LaneIO.Load(v + offset, lanes);
            var qt = Vector256.Load(slot);
            var yt = Vector256.Load(slot + width);
            var weight = Vector256.Load(slot + 4 * width);
            LaneIO.Store(Vector256.MultiplyAddEstimate(weight, adjoint, Vector256.Load(slot + 2 * width)),
                gradV + offset, lanes);
            LaneIO.Store(Vector256.MultiplyAddEstimate(weight, vt * adjoint - adjointTimesY,
                Vector256.Load(slot + 3 * width)), gradK + offset, lanes);
            adjoint = Vector256.MultiplyAddEstimate(decay, adjoint, qt);
            adjointTimesY = Vector256.MultiplyAddEstimate(decay, adjointTimesY, qt * yt);
        }

        return (gradW, gradU);
    }

    /// <summary>
    /// With S_t the denominator at t and q_t = gradY_t / S_t: gradV_i = sum_t q_t e(t,i) and
    /// gradK_i = sum_t q_t e(t,i) (v_i - y_t), where e(t,i) is the weight of token i in y_t; the sums over t are two
    /// more scans with the same decay. gradU and gradW need the derivative of the weights by w, which is
    /// -(|t-i|-1) e(t,i), carried as extra running sums (the "distance-weighted" sums below).
    /// </summary>
    /// <remarks>
    /// <c>saved</c> holds per token, first: the left sums before that token (numerator, denominator, their distance-weighted versions,
    /// exponent); then, after the right-to-left pass: q_t as mantissa and exponent, y_t, and the parts of gradV and
    /// gradK from tokens at or right of t.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardBlockLogScaled<TScalar>(BiWkvShape shape, int batch, int firstChannel, int count,
        double[] w, double[] u, TScalar* k, TScalar* v, TScalar* gradY, BiWkvStrides gradYStrides, TScalar* gradK,
        TScalar* gradV, Span<Vector256<double>> gradW, Span<Vector256<double>> gradU, double* saved) where TScalar : unmanaged
    {
        const int stride = BackwardFields * ChannelsPerBlock;
        var groups = Groups(count);
        var start = shape.Offset(batch, 0, firstChannel);
        var gradYStart = gradYStrides.Start(shape, batch, firstChannel);
        var gradYTokenStride = gradYStrides.TokenStride(shape);
        Span<Vector256<double>> decay = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> bonus = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> num = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> den = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> distanceNum = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> distanceDen = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> exponent = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> adjoint = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> adjointTimesY = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> adjointExponent = stackalloc Vector256<double>[GroupsPerBlock];
        for (var g = 0; g < groups; g++)
        {
            decay[g] = LaneIO.Load(w, firstChannel + g * LaneIO.Width, Lanes(count, g));
            bonus[g] = LaneIO.Load(u, firstChannel + g * LaneIO.Width, Lanes(count, g));
        }

        num.Clear();
        den.Clear();
        distanceNum.Clear();
        distanceDen.Clear();
        exponent.Fill(Vector256.Create(LogScale.Empty));
        for (var t = 0; t < shape.Tokens; t++)
        {
            var offset = start + (long)t * shape.TokenStride;
            var slot = saved + (long)t * stride;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                num[g].Store(slot + lane);
                den[g].Store(slot + ChannelsPerBlock + lane);
                distanceNum[g].Store(slot + 2 * ChannelsPerBlock + lane);
                distanceDen[g].Store(slot + 3 * ChannelsPerBlock + lane);
                exponent[g].Store(slot + 4 * ChannelsPerBlock + lane);
                var (old, term) = LogScale.Step(ref exponent[g], decay[g], kt);
                distanceNum[g] = old * (distanceNum[g] + num[g]);
                distanceDen[g] = old * (distanceDen[g] + den[g]);
                num[g] = old * num[g] + term * vt;
                den[g] = old * den[g] + term;
            }
        }

        num.Clear();
        den.Clear();
        distanceNum.Clear();
        distanceDen.Clear();
        exponent.Fill(Vector256.Create(LogScale.Empty));
        adjoint.Clear();
        adjointTimesY.Clear();
        adjointExponent.Fill(Vector256.Create(LogScale.Empty));
        gradW.Clear();
        gradU.Clear();
        for (var t = shape.Tokens - 1; t >= 0; t--)
        {
            var offset = start + (long)t * shape.TokenStride;
            var slot = saved + (long)t * stride;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                var gt = LaneIO.Load(gradY + gradYStart + t * gradYTokenStride + lane * gradYStrides.Channel,
                    gradYStrides.Channel, lanes);
                var leftNum = Vector256.Load(slot + lane);
                var leftDen = Vector256.Load(slot + ChannelsPerBlock + lane);
                var leftDistanceNum = Vector256.Load(slot + 2 * ChannelsPerBlock + lane);
                var leftDistanceDen = Vector256.Load(slot + 3 * ChannelsPerBlock + lane);
                var leftExponent = Vector256.Load(slot + 4 * ChannelsPerBlock + lane);

                var (left, right, self) = LogScale.Align(leftExponent, exponent[g], bonus[g] + kt, out var max);
                var denominator = leftDen * left + den[g] * right + self;
                var yt = (leftNum * left + num[g] * right + vt * self) / denominator;
                var qt = gt / denominator;
                var selfWeight = qt * self;
                gradU[g] += selfWeight * (vt - yt);
                gradW[g] -= qt * ((leftDistanceNum - yt * leftDistanceDen) * left
                                  + (distanceNum[g] - yt * distanceDen[g]) * right);

                var fromRight = Vector256.Exp(kt + adjointExponent[g]);
                var gradVPart = selfWeight + adjoint[g] * fromRight;
                var gradKPart = selfWeight * (vt - yt) + (vt * adjoint[g] - adjointTimesY[g]) * fromRight;
                qt.Store(slot + lane);
                (-max).Store(slot + ChannelsPerBlock + lane);
                yt.Store(slot + 2 * ChannelsPerBlock + lane);
                gradVPart.Store(slot + 3 * ChannelsPerBlock + lane);
                gradKPart.Store(slot + 4 * ChannelsPerBlock + lane);

                var (adjointOld, adjointTerm) = LogScale.Step(ref adjointExponent[g], decay[g], -max);
                adjoint[g] = adjointOld * adjoint[g] + adjointTerm * qt;
                adjointTimesY[g] = adjointOld * adjointTimesY[g] + adjointTerm * qt * yt;

                var (old, term) = LogScale.Step(ref exponent[g], decay[g], kt);
                distanceNum[g] = old * (distanceNum[g] + num[g]);
                distanceDen[g] = old * (distanceDen[g] + den[g]);
                num[g] = old * num[g] + term * vt;
                den[g] = old * den[g] + term;
            }
        }

        adjoint.Clear();
        adjointTimesY.Clear();
        adjointExponent.Fill(Vector256.Create(LogScale.Empty));
        for (var t = 0; t < shape.Tokens; t++)
        {
            var offset = start + (long)t * shape.TokenStride;
            var slot = saved + (long)t * stride;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                var qt = Vector256.Load(slot + lane);
                var qtExponent = Vector256.Load(slot + ChannelsPerBlock + lane);
                var yt = Vector256.Load(slot + 2 * ChannelsPerBlock + lane);
                var gradVPart = Vector256.Load(slot + 3 * ChannelsPerBlock + lane);
                var gradKPart = Vector256.Load(slot + 4 * ChannelsPerBlock + lane);

                var fromLeft = Vector256.Exp(kt + adjointExponent[g]);
                LaneIO.Store(gradVPart + adjoint[g] * fromLeft, gradV + offset + lane, lanes);
                LaneIO.Store(gradKPart + (vt * adjoint[g] - adjointTimesY[g]) * fromLeft, gradK + offset + lane, lanes);

                var (adjointOld, adjointTerm) = LogScale.Step(ref adjointExponent[g], decay[g], qtExponent);
                adjoint[g] = adjointOld * adjoint[g] + adjointTerm * qt;
                adjointTimesY[g] = adjointOld * adjointTimesY[g] + adjointTerm * qt * yt;
            }
        }
    }
}
