namespace ModelGen.Models.Operators;

/// <summary>
/// Forward of the upstream CUDA kernel (ovsam / Vision-RWKV <c>wkv_cuda.cu</c>), evaluated in float64 for every
/// (batch, channel). The kernel cuts the tokens into 32 chunks of ceil(T/32); it summarises every chunk from both
/// ends, combines the summaries into the sums seen at each chunk's first token (decay -|t-i|·w there), then walks
/// the chunk updating those sums in a way that mixes that convention with the formula's -(|t-i|-1)·w. Its
/// denominator carries an extra 1e-6. Reproduced as is, including the float32 kernel's "minus infinity".
/// </summary>
internal static unsafe class BiWkvUpstreamKernel
{
    private const int Chunks = 32;
    private const double DenominatorEpsilon = 1e-6;
    private const double NoContribution = -1e38;

    public static void Forward(BiWkvShape shape, double[] w, double[] u, nint k, nint v, nint y) =>
        Parallel.For(0, shape.Batch * shape.Channels, pair =>
        {
            var batch = pair / shape.Channels;
            var channel = pair % shape.Channels;
            var first = shape.Offset(batch, 0, channel);
            var sequence = new Sequence((double*)k + first, (double*)v + first, (double*)y + first, shape.Channels);
            ForwardSequence(sequence, shape.Tokens, w[channel], u[channel]);
        });

    private static void ForwardSequence(Sequence s, int tokens, double w, double u)
    {
        var chunkLength = (tokens + Chunks - 1) / Chunks;
        Span<LogSum> fromStart = stackalloc LogSum[Chunks];
        Span<LogSum> fromEnd = stackalloc LogSum[Chunks];
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var start = chunkLength * chunk;
            var length = Math.Min(tokens - start, chunkLength);
            var head = LogSum.Empty;
            var tail = LogSum.Empty;
            for (var n = 0; n < length; n++)
            {
                head = head.Add(s.K(start + n) - w * n, s.V(start + n));
                var fromBack = start + length - 1 - n;
                tail = tail.Add(s.K(fromBack) - w * (n + 1), s.V(fromBack));
            }
            fromStart[chunk] = head;
            fromEnd[chunk] = tail;
        }

        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var start = chunkLength * chunk;
            var length = Math.Min(tokens - start, chunkLength);
            if (length <= 0)
                break;

            var left = LogSum.Empty;
            for (var before = 0; before < chunk; before++)
                left = left.Merge(fromEnd[before], w * ((chunk - before - 1) * chunkLength));
            var right = LogSum.Empty;
            for (var after = chunk; after < Chunks; after++)
                right = right.Merge(fromStart[after], w * ((after - chunk) * chunkLength));
            var firstWeight = Math.Exp(s.K(start) - right.Exponent);
            right = new LogSum(right.Num - firstWeight * s.V(start), right.Den - firstWeight, right.Exponent);

            for (var t = start; t < start + length; t++)
            {
                var self = u + s.K(t);
                var max = Math.Max(Math.Max(right.Exponent, self), left.Exponent);
                var rightScale = Math.Exp(right.Exponent - max);
                var leftScale = Math.Exp(left.Exponent - max);
                var selfScale = Math.Exp(self - max);
                s.Y(t) = (right.Num * rightScale + left.Num * leftScale + selfScale * s.V(t))
                         / (right.Den * rightScale + left.Den * leftScale + selfScale + DenominatorEpsilon);

                left = left.Add(-w, s.K(t), s.V(t));
                var next = (t + 1) % tokens;
                right = right.Subtract(w, s.K(next) + w, s.V(next));
            }
        }
    }

    /// <summary>One channel of one batch element: token t is at <c>t · stride</c>.</summary>
    private readonly struct Sequence(double* k, double* v, double* y, int stride)
    {
        public double K(int t) => k[(long)t * stride];

        public double V(int t) => v[(long)t * stride];

        public ref double Y(int t) => ref y[(long)t * stride];
    }

    /// <summary><c>(Num, Den) · exp(Exponent)</c>, updated the way the kernel does it.</summary>
    private readonly record struct LogSum(double Num, double Den, double Exponent)
    {
        public static LogSum Empty => new(0, 0, NoContribution);

        /// <summary>Adds exp(termExponent) · (value, 1).</summary>
        public LogSum Add(double termExponent, double value) => Add(0, termExponent, value);

        /// <summary>Scales by exp(shift), then adds exp(termExponent) · (value, 1).</summary>
        public LogSum Add(double shift, double termExponent, double value)
        {
            var max = Math.Max(Exponent + shift, termExponent);
            var old = Math.Exp(Exponent + shift - max);
            var term = Math.Exp(termExponent - max);
            return new LogSum(old * Num + term * value, old * Den + term, max);
        }

        /// <summary>Scales by exp(shift), then subtracts exp(termExponent) · (value, 1).</summary>
        public LogSum Subtract(double shift, double termExponent, double value)
        {
            var max = Math.Max(Exponent + shift, termExponent);
            var old = Math.Exp(Exponent + shift - max);
            var term = Math.Exp(termExponent - max);
            return new LogSum(old * Num - term * value, old * Den - term, max);
        }

        /// <summary>Adds another sum decayed by exp(-decay).</summary>
        public LogSum Merge(LogSum other, double decay)
        {
            var otherExponent = other.Exponent - decay;
            var max = Math.Max(otherExponent, Exponent);
            var old = Math.Exp(Exponent - max);
            var added = Math.Exp(otherExponent - max);
            return new LogSum(Num * old + other.Num * added, Den * old + other.Den * added, max);
        }
    }
}
