using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Runtime;
using TorchSharp;

namespace ModelGen.Models.Operators;

/// <summary>
/// The Bi-WKV formula and its gradient in O(T·C). Every output is a weighted mean of <c>v</c>; the weights of the
/// tokens left of t form a running sum over t (decay exp(-w) per step, new token exp(k)), likewise from the right, so
/// one left-to-right and one right-to-left scan per (batch, channel) suffice. Work is split into blocks of 16 channels
/// of one batch element, run on LibTorch's OpenMP team (<see cref="LibTorchTeam"/>). A block's inputs are first copied
/// into dense (T, 16) buffers, the scans run over those, and the outputs are written into the same buffers, then
/// copied out. float32 blocks whose values lie well inside float32's range are scanned in float32
/// (<see cref="BiWkvSingleScans"/>); all others in float64, as described next.
/// <para>
/// When every weight of a block, relative to exp(max k) of its channel, lies within exp(±<see cref="DirectSpanLimit"/>),
/// the "direct" scans use plain sums scaled by exp(-max k): one exp per element (exp(k - max k)), decay as a product
/// with exp(-w). The forward's run over two groups of four channels at a time, the backward's over one group after the
/// other. Otherwise the block falls back to sums in log-scaled form (<see cref="LogScale"/>), which are stable for any
/// inputs but need several exps per element; those scans go over tokens and, per token, over the block's groups.
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
    private const int PrefetchTokens = 16;

    /// <summary>
    /// Bound on log of the ratios between weights (and on |u|) for the direct scans. Products of two weights, of a
    /// weight and an inverse denominator, times the T-fold sums and float32-sized gradients, stay far inside float64's
    /// exp(±708).
    /// </summary>
    private const double DirectSpanLimit = 200;

    public static void Forward<TScalar>(BiWkvShape shape, double[] w, double[] u, nint k, nint v, nint y)
        where TScalar : unmanaged
    {
        LibTorchTeam.For(shape.Batch * shape.BlocksPerBatch, torch.get_num_threads(),
            () => ArrayPool<double>.Shared.Rent(ScratchLength(shape.Tokens, ForwardFields, copies: 2)),
            (block, scratch) =>
            {
                fixed (double* saved = scratch)
                    ForwardBlock(shape, block, w, u, (TScalar*)k, (TScalar*)v, (TScalar*)y, saved);
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
        LibTorchTeam.For(shape.Batch * shape.BlocksPerBatch, torch.get_num_threads(),
            () => ArrayPool<double>.Shared.Rent(ScratchLength(shape.Tokens, BackwardFields, copies: 3)),
            (block, scratch) =>
            {
                fixed (double* saved = scratch)
                    BackwardBlock(shape, block, w, u, (TScalar*)k, (TScalar*)v, (TScalar*)gradY, gradYStrides,
                        (TScalar*)gradK, (TScalar*)gradV, gradWPerBatch, gradUPerBatch, saved);
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

    /// <summary>
    /// Doubles for a block's scans (<paramref name="fields"/> values per channel and token) followed by
    /// <paramref name="copies"/> dense (T, 16) copies of its tensors, each given room for float64.
    /// </summary>
    private static int ScratchLength(int tokens, int fields, int copies) => tokens * ChannelsPerBlock * (fields + copies);

    /// <summary>
    /// Copies a block's channels, <paramref name="count"/> of them, into a dense (T, 16) buffer; channels past
    /// <paramref name="count"/> are set to zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyIn<TScalar>(TScalar* source, BiWkvStrides strides, int tokens, int count, TScalar* block)
        where TScalar : unmanaged
    {
        for (var t = 0; t < tokens; t++)
        {
            var from = source + t * strides.Token;
            var to = block + (long)t * ChannelsPerBlock;
            Prefetch(from + PrefetchTokens * strides.Token);
            if (count == ChannelsPerBlock && strides.Channel == 1)
                CopyRow(from, to);
            else
            {
                for (var c = 0; c < count; c++)
                    to[c] = from[c * strides.Channel];
                new Span<TScalar>(to + count, ChannelsPerBlock - count).Clear();
            }
        }
    }

    /// <summary>Copies the first <paramref name="count"/> channels of a dense (T, 16) buffer to contiguous tensor memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyOut<TScalar>(TScalar* block, BiWkvShape shape, int count, TScalar* destination)
        where TScalar : unmanaged
    {
        for (var t = 0; t < shape.Tokens; t++)
        {
            var from = block + (long)t * ChannelsPerBlock;
            var to = destination + (long)t * shape.Channels;
            Prefetch(to + PrefetchTokens * shape.Channels);
            if (count == ChannelsPerBlock)
                CopyRow(from, to);
            else
                new ReadOnlySpan<TScalar>(from, count).CopyTo(new Span<TScalar>(to, count));
        }
    }

    /// <summary>
    /// Asks for the cache line <see cref="PrefetchTokens"/> tokens ahead. One line per token, C elements apart, is a
    /// stride the hardware prefetchers follow poorly (a new 4 KiB page every few tokens); without the hint each line
    /// is a wait for memory. Addresses past the tensor are harmless: a prefetch does not fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(void* address)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(address);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow<TScalar>(TScalar* from, TScalar* to) where TScalar : unmanaged
    {
        for (var offset = 0; offset < ChannelsPerBlock * sizeof(TScalar); offset += Vector256<byte>.Count)
            Vector256.Load((byte*)from + offset).Store((byte*)to + offset);
    }

    private static int Lanes(int count, int group) => Math.Min(LaneIO.Width, count - group * LaneIO.Width);

    private static int Groups(int count) => (count + LaneIO.Width - 1) / LaneIO.Width;

    /// <remarks>The block's output y is written over its copy of k.</remarks>
    private static void ForwardBlock<TScalar>(BiWkvShape shape, int block, double[] w, double[] u, TScalar* k,
        TScalar* v, TScalar* y, double* saved) where TScalar : unmanaged
    {
        var (batch, firstChannel, count) = shape.Block(block);
        var tokens = shape.Tokens;
        var keys = (TScalar*)(saved + ScratchLength(tokens, ForwardFields, copies: 0));
        var values = keys + (long)tokens * ChannelsPerBlock;
        var first = shape.Offset(batch, 0, firstChannel);
        var strides = new BiWkvStrides(0, shape.Channels, 1);
        CopyIn(k + first, strides, tokens, count, keys);
        CopyIn(v + first, strides, tokens, count, values);

        if (typeof(TScalar) != typeof(float)
            || !BiWkvSingleScans.TryForward(tokens, firstChannel, count, w, u, (float*)keys, (float*)values,
                (float*)saved))
        {
            Span<Vector256<double>> reference = stackalloc Vector256<double>[GroupsPerBlock];
            if (TryDirectReference(tokens, firstChannel, count, w, u, keys, reference))
                ForwardBlockDirect(tokens, firstChannel, count, w, u, reference, keys, values, keys, saved);
            else
                ForwardBlockLogScaled(tokens, firstChannel, count, w, u, keys, values, keys, saved);
        }
        CopyOut(keys, shape, count, y + first);
    }

    /// <summary>
    /// Writes max over tokens of k per channel to <paramref name="reference"/> and tells whether the direct scans are
    /// safe: (max k - min k) + |w|·T + |u| at most <see cref="DirectSpanLimit"/> in every channel of the block. Reads
    /// all 16 lanes of the block's copy of k; those past its channels are zero, so their reference is 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryDirectReference<TScalar>(int tokens, int firstChannel, int count, double[] w, double[] u,
        TScalar* k, Span<Vector256<double>> reference) where TScalar : unmanaged
    {
        const int width = LaneIO.Width;
        var (max0, max1, max2, max3) = (LaneIO.Load(k, width), LaneIO.Load(k + width, width),
            LaneIO.Load(k + 2 * width, width), LaneIO.Load(k + 3 * width, width));
        var (min0, min1, min2, min3) = (max0, max1, max2, max3);
        for (var t = 1; t < tokens; t++)
        {
            var row = k + (long)t * ChannelsPerBlock;
            var (k0, k1, k2, k3) = (LaneIO.Load(row, width), LaneIO.Load(row + width, width),
                LaneIO.Load(row + 2 * width, width), LaneIO.Load(row + 3 * width, width));
            (max0, max1, max2, max3) = (Vector256.Max(max0, k0), Vector256.Max(max1, k1), Vector256.Max(max2, k2),
                Vector256.Max(max3, k3));
            (min0, min1, min2, min3) = (Vector256.Min(min0, k0), Vector256.Min(min1, k1), Vector256.Min(min2, k2),
                Vector256.Min(min3, k3));
        }
        (reference[0], reference[1], reference[2], reference[3]) = (max0, max1, max2, max3);
        ReadOnlySpan<Vector256<double>> minimum = [min0, min1, min2, min3];

        var limit = Vector256.Create(DirectSpanLimit);
        for (var g = 0; g < GroupsPerBlock; g++)
        {
            var lanes = Lanes(count, g);
            var span = reference[g] - minimum[g]
                       + Vector256.Abs(LaneIO.Load(w, firstChannel + g * width, lanes)) * tokens
                       + Vector256.Abs(LaneIO.Load(u, firstChannel + g * width, lanes));
            // Written so that NaN fails the test.
            if (!Vector256.LessThanOrEqualAll(span, limit))
                return false;
        }
        return true;
    }

    /// <summary>The direct forward scans, two groups of four channels at a time (see <see cref="ForwardPairDirect{TScalar}"/>).</summary>
    private static void ForwardBlockDirect<TScalar>(int tokens, int firstChannel, int count, double[] w, double[] u,
        ReadOnlySpan<Vector256<double>> reference, TScalar* k, TScalar* v, TScalar* y, double* saved)
        where TScalar : unmanaged
    {
        for (var g = 0; g < Groups(count); g += 2)
        {
            var channel = firstChannel + g * LaneIO.Width;
            var (lanes, nextLanes) = (Lanes(count, g), Lanes(count, g + 1));
            var first = g * LaneIO.Width;
            ForwardPairDirect(tokens,
                (LaneIO.Load(w, channel, lanes), LaneIO.Load(w, channel + LaneIO.Width, nextLanes)),
                (LaneIO.Load(u, channel, lanes), LaneIO.Load(u, channel + LaneIO.Width, nextLanes)),
                (reference[g], reference[g + 1]), k + first, v + first, y + first, saved);
        }
    }

    /// <remarks>
    /// Two groups at a time give the scans four independent chains of multiply-adds, which hides their latency, while
    /// the running sums stay in registers and the scratch (per token and group: the left sums before that token,
    /// numerator and denominator, and exp(k - reference)) stays small enough for the L2 cache. Sums are scaled by
    /// exp(-reference). Lanes past the block's channels hold zeros (see <see cref="CopyIn{TScalar}"/>) and are computed
    /// like the others, then not copied out.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPairDirect<TScalar>(int tokens, (Vector256<double> A, Vector256<double> B) w,
        (Vector256<double> A, Vector256<double> B) u, (Vector256<double> A, Vector256<double> B) reference,
        TScalar* k, TScalar* v, TScalar* y, double* saved) where TScalar : unmanaged
    {
        const int width = LaneIO.Width;
        const int slotLength = 2 * ForwardFields * width;
        var (decayA, decayB) = (Vector256.Exp(-w.A), Vector256.Exp(-w.B));
        var (bonusA, bonusB) = (Vector256.Exp(u.A), Vector256.Exp(u.B));

        var (numA, denA, numB, denB) = (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero,
            Vector256<double>.Zero);
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * ChannelsPerBlock;
            var slot = saved + (long)t * slotLength;
            var weightA = ScanExp.Exp(LaneIO.Load(k + offset, width) - reference.A);
            var weightB = ScanExp.Exp(LaneIO.Load(k + offset + width, width) - reference.B);
            var vA = LaneIO.Load(v + offset, width);
            var vB = LaneIO.Load(v + offset + width, width);
            numA.Store(slot);
            denA.Store(slot + width);
            weightA.Store(slot + 2 * width);
            numB.Store(slot + 3 * width);
            denB.Store(slot + 4 * width);
            weightB.Store(slot + 5 * width);
            numA = Vector256.MultiplyAddEstimate(decayA, numA, weightA * vA);
            denA = Vector256.MultiplyAddEstimate(decayA, denA, weightA);
            numB = Vector256.MultiplyAddEstimate(decayB, numB, weightB * vB);
            denB = Vector256.MultiplyAddEstimate(decayB, denB, weightB);
        }

        (numA, denA, numB, denB) = (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero,
            Vector256<double>.Zero);
        for (var t = tokens - 1; t >= 0; t--)
        {
            var offset = (long)t * ChannelsPerBlock;
            var slot = saved + (long)t * slotLength;
            var vA = LaneIO.Load(v + offset, width);
            var vB = LaneIO.Load(v + offset + width, width);
            var weightA = Vector256.Load(slot + 2 * width);
            var weightB = Vector256.Load(slot + 5 * width);
            var selfA = bonusA * weightA;
            var selfB = bonusB * weightB;
            var yA = (Vector256.Load(slot) + numA + selfA * vA) / (Vector256.Load(slot + width) + denA + selfA);
            var yB = (Vector256.Load(slot + 3 * width) + numB + selfB * vB)
                     / (Vector256.Load(slot + 4 * width) + denB + selfB);
            LaneIO.Store(yA, y + offset, width);
            LaneIO.Store(yB, y + offset + width, width);
            numA = Vector256.MultiplyAddEstimate(decayA, numA, weightA * vA);
            denA = Vector256.MultiplyAddEstimate(decayA, denA, weightA);
            numB = Vector256.MultiplyAddEstimate(decayB, numB, weightB * vB);
            denB = Vector256.MultiplyAddEstimate(decayB, denB, weightB);
        }
    }

    /// <remarks><c>saved</c> holds per token the left sums (numerator, denominator mantissas, exponent) before that token.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBlockLogScaled<TScalar>(int tokens, int firstChannel, int count, double[] w, double[] u,
        TScalar* k, TScalar* v, TScalar* y, double* saved) where TScalar : unmanaged
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

        num.Clear();
        den.Clear();
        exponent.Fill(Vector256.Create(LogScale.Empty));
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * ChannelsPerBlock;
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
        for (var t = tokens - 1; t >= 0; t--)
        {
            var offset = (long)t * ChannelsPerBlock;
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

    /// <remarks>The block's gradients of k and v are written over its copies of k and v.</remarks>
    private static void BackwardBlock<TScalar>(BiWkvShape shape, int block, double[] w, double[] u, TScalar* k,
        TScalar* v, TScalar* gradY, BiWkvStrides gradYStrides, TScalar* gradK, TScalar* gradV,
        double[] gradWPerBatch, double[] gradUPerBatch, double* saved) where TScalar : unmanaged
    {
        var (batch, firstChannel, count) = shape.Block(block);
        var tokens = shape.Tokens;
        var keys = (TScalar*)(saved + ScratchLength(tokens, BackwardFields, copies: 0));
        var values = keys + (long)tokens * ChannelsPerBlock;
        var gradient = values + (long)tokens * ChannelsPerBlock;
        var first = shape.Offset(batch, 0, firstChannel);
        var strides = new BiWkvStrides(0, shape.Channels, 1);
        CopyIn(k + first, strides, tokens, count, keys);
        CopyIn(v + first, strides, tokens, count, values);
        CopyIn(gradY + gradYStrides.Offset(batch, 0, firstChannel), gradYStrides, tokens, count, gradient);

        Span<Vector256<double>> gradW = stackalloc Vector256<double>[GroupsPerBlock];
        Span<Vector256<double>> gradU = stackalloc Vector256<double>[GroupsPerBlock];
        if (typeof(TScalar) != typeof(float)
            || !BiWkvSingleScans.TryBackward(tokens, firstChannel, count, w, u, (float*)keys, (float*)values,
                (float*)gradient, MemoryMarshal.Cast<Vector256<double>, double>(gradW),
                MemoryMarshal.Cast<Vector256<double>, double>(gradU), (float*)saved))
        {
            Span<Vector256<double>> reference = stackalloc Vector256<double>[GroupsPerBlock];
            if (TryDirectReference(tokens, firstChannel, count, w, u, keys, reference))
                BackwardBlockDirect(tokens, firstChannel, count, w, u, reference, keys, values, gradient, keys,
                    values, gradW, gradU, saved);
            else
                BackwardBlockLogScaled(tokens, firstChannel, count, w, u, keys, values, gradient, keys, values,
                    gradW, gradU, saved);
        }
        CopyOut(keys, shape, count, gradK + first);
        CopyOut(values, shape, count, gradV + first);

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
    private static void BackwardBlockDirect<TScalar>(int tokens, int firstChannel, int count, double[] w, double[] u,
        ReadOnlySpan<Vector256<double>> reference, TScalar* k, TScalar* v, TScalar* gradY, TScalar* gradK,
        TScalar* gradV, Span<Vector256<double>> gradW, Span<Vector256<double>> gradU, double* saved)
        where TScalar : unmanaged
    {
        for (var g = 0; g < Groups(count); g++)
        {
            var channel = firstChannel + g * LaneIO.Width;
            var lanes = Lanes(count, g);
            var first = g * LaneIO.Width;
            (gradW[g], gradU[g]) = BackwardGroupDirect(tokens, lanes, LaneIO.Load(w, channel, lanes),
                LaneIO.Load(u, channel, lanes), reference[g], k + first, v + first, gradY + first, gradK + first,
                gradV + first, saved);
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
        int lanes, Vector256<double> w, Vector256<double> u, Vector256<double> reference, TScalar* k, TScalar* v,
        TScalar* gradY, TScalar* gradK, TScalar* gradV, double* saved) where TScalar : unmanaged
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
            var offset = (long)t * ChannelsPerBlock;
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
            var offset = (long)t * ChannelsPerBlock;
            var slot = saved + (long)t * slotLength;
            var vt = LaneIO.Load(v + offset, lanes);
            var gt = LaneIO.Load(gradY + offset, lanes);
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
            var offset = (long)t * ChannelsPerBlock;
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
    private static void BackwardBlockLogScaled<TScalar>(int tokens, int firstChannel, int count, double[] w,
        double[] u, TScalar* k, TScalar* v, TScalar* gradY, TScalar* gradK, TScalar* gradV,
        Span<Vector256<double>> gradW, Span<Vector256<double>> gradU, double* saved) where TScalar : unmanaged
    {
        const int stride = BackwardFields * ChannelsPerBlock;
        var groups = Groups(count);
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
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * ChannelsPerBlock;
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
        for (var t = tokens - 1; t >= 0; t--)
        {
            var offset = (long)t * ChannelsPerBlock;
            var slot = saved + (long)t * stride;
            for (var g = 0; g < groups; g++)
            {
                var lanes = Lanes(count, g);
                var lane = g * LaneIO.Width;
                var kt = LaneIO.Load(k + offset + lane, lanes);
                var vt = LaneIO.Load(v + offset + lane, lanes);
                var gt = LaneIO.Load(gradY + offset + lane, lanes);
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
        for (var t = 0; t < tokens; t++)
        {
            var offset = (long)t * ChannelsPerBlock;
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
