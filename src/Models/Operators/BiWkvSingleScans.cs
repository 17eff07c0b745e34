using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>
/// The direct scans of <see cref="BiWkvFormulaKernel"/> in float32, for float32 inputs whose block lies well inside
/// float32's range: a token's 16 channels are one row of float32 lanes (<see cref="IBlockRow{TSelf}"/>), so a scan
/// step costs a quarter (with AVX-512, an eighth) of the float64 one's. Sums are scaled by exp(-max k) per channel as
/// in float64.
/// <para>
/// Accuracy: exp(-w) rounded to float32 would put an error of up to T/2 ulp on a weight T tokens away, so the decay is
/// applied as a float32 pair (high part plus the rounding error of the high part), one more multiply-add per step. The
/// sums of gradW and gradU go into float64 every <see cref="TokensPerFlush"/> tokens. What remains is the float32
/// rounding of each step, as in upstream's float32 CUDA kernel.
/// </para>
/// </summary>
internal static unsafe class BiWkvSingleScans
{
    private const int Channels = BiWkvShape.BlockChannels;
    private const int TokensPerFlush = 64;

    /// <summary>
    /// Bound on the log of the largest magnitude the scans may reach: exp(span) · T² · max|v| · max|gradY| (the
    /// distance-weighted sums times q). float32 reaches exp(88.7); the rest is margin for the sums' partial terms.
    /// </summary>
    private const double LogMagnitudeLimit = 60;

    /// <summary>
    /// Writes y over <paramref name="k"/> and returns true, or, when the block's values are too wide for float32,
    /// writes nothing and returns false. <paramref name="saved"/> needs 3 floats per token and channel.
    /// </summary>
    public static bool TryForward(int tokens, int firstChannel, int count, double[] w, double[] u, float* k,
        float* v, float* saved) =>
        Vector512.IsHardwareAccelerated
            ? TryForward<BlockRow512>(tokens, firstChannel, count, w, u, k, v, saved)
            : TryForward<BlockRow256Pair>(tokens, firstChannel, count, w, u, k, v, saved);

    /// <summary>
    /// Writes gradK over <paramref name="k"/>, gradV over <paramref name="v"/>, the block's gradW and gradU sums to
    /// <paramref name="gradW"/> and <paramref name="gradU"/> (16 lanes each) and returns true; or, when the block's
    /// values are too wide for float32, writes nothing and returns false. <paramref name="saved"/> needs 5 floats
    /// per token and channel.
    /// </summary>
    public static bool TryBackward(int tokens, int firstChannel, int count, double[] w, double[] u, float* k,
        float* v, float* gradY, Span<double> gradW, Span<double> gradU, float* saved) =>
        Vector512.IsHardwareAccelerated
            ? TryBackward<BlockRow512>(tokens, firstChannel, count, w, u, k, v, gradY, gradW, gradU, saved)
            : TryBackward<BlockRow256Pair>(tokens, firstChannel, count, w, u, k, v, gradY, gradW, gradU, saved);

    internal static bool TryForward<TRow>(int tokens, int firstChannel, int count, double[] w, double[] u, float* k,
        float* v, float* saved) where TRow : struct, IBlockRow<TRow>
    {
        if (!TryReference<TRow>(tokens, firstChannel, count, w, u, k, v, gradY: null, out var reference))
            return false;
        var decay = Decay<TRow>.Of(w, firstChannel, count);
        var bonus = Row<TRow>(u, firstChannel, count, value => (float)Math.Exp(value));
        ForwardScans(tokens, reference, decay, bonus, k, v, saved);
        return true;
    }

    internal static bool TryBackward<TRow>(int tokens, int firstChannel, int count, double[] w, double[] u,
        float* k, float* v, float* gradY, Span<double> gradW, Span<double> gradU, float* saved)
        where TRow : struct, IBlockRow<TRow>
    {
        if (!TryReference<TRow>(tokens, firstChannel, count, w, u, k, v, gradY, out var reference))
            return false;
        var decay = Decay<TRow>.Of(w, firstChannel, count);
        var bonus = Row<TRow>(u, firstChannel, count, value => (float)Math.Exp(value));
        gradW.Clear();
        gradU.Clear();
        BackwardLeftPass(tokens, reference, decay, k, v, saved);
        BackwardRightPass(tokens, decay, bonus, v, gradY, saved, gradW, gradU);
        BackwardGradients(tokens, decay, k, v, saved);
        return true;
    }

    /// <remarks>
    /// <c>saved</c> holds per token the left sums before that token (numerator, denominator) and exp(k - reference).
    /// y is written over k, which the right-to-left pass no longer reads.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardScans<TRow>(int tokens, TRow reference, Decay<TRow> decay, TRow bonus, float* k,
        float* v, float* saved) where TRow : struct, IBlockRow<TRow>
    {
        const int slotLength = 3 * Channels;
        var (num, den) = (TRow.Zero, TRow.Zero);
        for (var t = 0; t < tokens; t++)
        {
            var row = (long)t * Channels;
            var slot = saved + (long)t * slotLength;
            var weight = TRow.Exp(TRow.Load(k + row) - reference);
            num.Store(slot);
            den.Store(slot + Channels);
            weight.Store(slot + 2 * Channels);
            num = decay.Step(num, weight * TRow.Load(v + row));
            den = decay.Step(den, weight);
        }

        (num, den) = (TRow.Zero, TRow.Zero);
        for (var t = tokens - 1; t >= 0; t--)
        {
            var row = (long)t * Channels;
            var slot = saved + (long)t * slotLength;
            var vt = TRow.Load(v + row);
            var weight = TRow.Load(slot + 2 * Channels);
            var self = bonus * weight;
            ((TRow.Load(slot) + num + self * vt) / (TRow.Load(slot + Channels) + den + self)).Store(k + row);
            num = decay.Step(num, weight * vt);
            den = decay.Step(den, weight);
        }
    }

    /// <remarks>
    /// <c>saved</c> gets per token the left sums before that token (numerator, denominator, their distance-weighted
    /// versions) and exp(k - reference).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardLeftPass<TRow>(int tokens, TRow reference, Decay<TRow> decay, float* k, float* v,
        float* saved) where TRow : struct, IBlockRow<TRow>
    {
        const int slotLength = 5 * Channels;
        var (num, den, distanceNum, distanceDen) = (TRow.Zero, TRow.Zero, TRow.Zero, TRow.Zero);
        for (var t = 0; t < tokens; t++)
        {
            var row = (long)t * Channels;
            var slot = saved + (long)t * slotLength;
            var weight = TRow.Exp(TRow.Load(k + row) - reference);
            num.Store(slot);
            den.Store(slot + Channels);
            distanceNum.Store(slot + 2 * Channels);
            distanceDen.Store(slot + 3 * Channels);
            weight.Store(slot + 4 * Channels);
            distanceNum = decay.Times(distanceNum + num);
            distanceDen = decay.Times(distanceDen + den);
            num = decay.Step(num, weight * TRow.Load(v + row));
            den = decay.Step(den, weight);
        }
    }

    /// <remarks>
    /// Adds the gradW and gradU sums into <paramref name="gradW"/> and <paramref name="gradU"/>, and leaves in
    /// <c>saved</c> per token: q_t, y_t, the parts of gradV and gradK from tokens at or right of t, and still
    /// exp(k - reference).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRightPass<TRow>(int tokens, Decay<TRow> decay, TRow bonus, float* v, float* gradY,
        float* saved, Span<double> gradW, Span<double> gradU) where TRow : struct, IBlockRow<TRow>
    {
        const int slotLength = 5 * Channels;
        var (num, den, distanceNum, distanceDen) = (TRow.Zero, TRow.Zero, TRow.Zero, TRow.Zero);
        var (adjoint, adjointTimesY, gradWPart, gradUPart) = (TRow.Zero, TRow.Zero, TRow.Zero, TRow.Zero);
        for (var t = tokens - 1; t >= 0; t--)
        {
            var row = (long)t * Channels;
            var slot = saved + (long)t * slotLength;
            var vt = TRow.Load(v + row);
            var weight = TRow.Load(slot + 4 * Channels);
            var self = bonus * weight;
            var inverse = TRow.Create(1) / (TRow.Load(slot + Channels) + den + self);
            var yt = (TRow.Load(slot) + num + self * vt) * inverse;
            var qt = TRow.Load(gradY + row) * inverse;
            var selfPart = qt * self;
            var selfGradK = selfPart * (vt - yt);
            gradUPart += selfGradK;
            gradWPart -= qt * (TRow.Load(slot + 2 * Channels) + distanceNum
                               - yt * (TRow.Load(slot + 3 * Channels) + distanceDen));
            if (t % TokensPerFlush == 0)
            {
                gradWPart.AddTo(gradW);
                gradUPart.AddTo(gradU);
                (gradWPart, gradUPart) = (TRow.Zero, TRow.Zero);
            }

            qt.Store(slot);
            yt.Store(slot + Channels);
            TRow.MultiplyAdd(weight, adjoint, selfPart).Store(slot + 2 * Channels);
            TRow.MultiplyAdd(weight, vt * adjoint - adjointTimesY, selfGradK).Store(slot + 3 * Channels);

            adjoint = decay.Step(adjoint, qt);
            adjointTimesY = decay.Step(adjointTimesY, qt * yt);
            distanceNum = decay.Times(distanceNum + num);
            distanceDen = decay.Times(distanceDen + den);
            num = decay.Step(num, weight * vt);
            den = decay.Step(den, weight);
        }
    }

    /// <remarks>gradV is written over v and gradK over k: neither is read again.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardGradients<TRow>(int tokens, Decay<TRow> decay, float* k, float* v, float* saved)
        where TRow : struct, IBlockRow<TRow>
    {
        const int slotLength = 5 * Channels;
        var (adjoint, adjointTimesY) = (TRow.Zero, TRow.Zero);
        for (var t = 0; t < tokens; t++)
        {
            var row = (long)t * Channels;
            var slot = saved + (long)t * slotLength;
            var vt = TRow.Load(v + row);
            var weight = TRow.Load(slot + 4 * Channels);
            TRow.MultiplyAdd(weight, adjoint, TRow.Load(slot + 2 * Channels)).Store(v + row);
            TRow.MultiplyAdd(weight, vt * adjoint - adjointTimesY, TRow.Load(slot + 3 * Channels)).Store(k + row);
            var qt = TRow.Load(slot);
            adjoint = decay.Step(adjoint, qt);
            adjointTimesY = decay.Step(adjointTimesY, qt * TRow.Load(slot + Channels));
        }
    }

    /// <summary>
    /// Max k over tokens (the reference), and whether every channel of the block is narrow enough for float32 (see
    /// <see cref="LogMagnitudeLimit"/>). Lanes past the block's channels read zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryReference<TRow>(int tokens, int firstChannel, int count, double[] w, double[] u, float* k,
        float* v, float* gradY, out TRow reference) where TRow : struct, IBlockRow<TRow>
    {
        var max = TRow.Load(k);
        var min = max;
        var (value, gradient) = (TRow.Zero, TRow.Zero);
        for (var t = 0; t < tokens; t++)
        {
            var row = (long)t * Channels;
            var kt = TRow.Load(k + row);
            (max, min) = (TRow.Max(max, kt), TRow.Min(min, kt));
            value = TRow.Max(value, TRow.Abs(TRow.Load(v + row)));
            if (gradY != null)
                gradient = TRow.Max(gradient, TRow.Abs(TRow.Load(gradY + row)));
        }

        reference = max;
        var logTokensSquared = 2 * Math.Log(tokens);
        for (var lane = 0; lane < count; lane++)
        {
            var span = (double)max[lane] - min[lane] + Math.Abs(w[firstChannel + lane]) * tokens
                       + Math.Abs(u[firstChannel + lane]);
            var logMagnitude = span + logTokensSquared + Math.Log(Math.Max(1, (double)value[lane]))
                               + Math.Log(Math.Max(1, (double)gradient[lane]));
            // Written so that NaN fails the test.
            if (!(logMagnitude <= LogMagnitudeLimit))
                return false;
        }
        return true;
    }

    /// <summary>A row of <paramref name="map"/>(values[first + lane]), and of map(0) past <paramref name="lanes"/>.</summary>
    private static TRow Row<TRow>(double[] values, int first, int lanes, Func<double, float> map)
        where TRow : struct, IBlockRow<TRow>
    {
        Span<float> row = stackalloc float[Channels];
        for (var lane = 0; lane < Channels; lane++)
            row[lane] = map(lane < lanes ? values[first + lane] : 0);
        return TRow.Create(row);
    }

    /// <summary>exp(-w) as a float32 pair: <see cref="High"/> rounded, <see cref="Low"/> its rounding error.</summary>
    private readonly struct Decay<TRow>(TRow high, TRow low) where TRow : struct, IBlockRow<TRow>
    {
        private TRow High { get; } = high;
        private TRow Low { get; } = low;

        public static Decay<TRow> Of(double[] w, int firstChannel, int lanes) => new(
            Row<TRow>(w, firstChannel, lanes, value => (float)Math.Exp(-value)),
            Row<TRow>(w, firstChannel, lanes, value => (float)(Math.Exp(-value) - (float)Math.Exp(-value))));

        /// <summary>exp(-w) · sum + addend.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TRow Step(TRow sum, TRow addend) => TRow.MultiplyAdd(High, sum, TRow.MultiplyAdd(Low, sum, addend));

        /// <summary>exp(-w) · sum.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TRow Times(TRow sum) => TRow.MultiplyAdd(High, sum, Low * sum);
    }
}
