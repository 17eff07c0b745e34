using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// <see cref="TokenShiftMix"/> on the CPU in one pass: every output row is mixed from the input's row and its
/// neighbours as they are read, instead of a shifted copy of the map and one LibTorch lerp per output over both. The
/// arithmetic is ATen's vectorised lerp (a fused multiply-add from the start or the end, by the weight's size), so the
/// results are those of the tensor operations.
/// </summary>
internal static unsafe class TokenShiftMixKernel
{
    private const int Lanes = 8;

    /// <summary>Whether the kernel takes this map (float32 NHWC, contiguous, on the CPU, with FMA) and these weights (float32, one per channel, as upstream's (1, 1, C) parameters).</summary>
    public static bool Applies(Tensor x, IReadOnlyList<Tensor> mixes) =>
        Fma.IsSupported && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.dim() == 4 && x.is_contiguous()
        && x.numel() > 0 && x.shape[3] <= int.MaxValue / 8 && x.shape[2] * x.shape[3] <= int.MaxValue / 8
        && x.shape[0] * x.shape[1] <= int.MaxValue
        && mixes.All(m => m.device_type == DeviceType.CPU && m.dtype == ScalarType.Float32 && m.numel() == x.shape[3] && m.shape[^1] == x.shape[3]);

    /// <summary>One output per weight vector, each <c>lerp(shifted, x, weight)</c>; <paramref name="bounds"/> are the quarters' first channels and the channel count.</summary>
    public static Tensor[] Run(Tensor x, IReadOnlyList<Tensor> mixes, long[] bounds)
    {
        var (batch, height, width, channels) = ((int)x.shape[0], (int)x.shape[1], (int)x.shape[2], (int)x.shape[3]);
        var outputs = mixes.Select(_ => empty_like(x)).ToArray();
        // Per channel and output: the lerp's coefficient (w, or w - 1) and whether it starts from the shifted value.
        var coefficients = new float[mixes.Count * channels];
        var fromShifted = new int[mixes.Count * channels];
        for (var o = 0; o < mixes.Count; o++)
        {
            using var weights = mixes[o].contiguous();
            var values = weights.data<float>().ToArray();
            for (var c = 0; c < channels; c++)
            {
                var small = MathF.Abs(values[c]) < 0.5f;
                coefficients[o * channels + c] = small ? values[c] : values[c] - 1;
                fromShifted[o * channels + c] = small ? -1 : 0;
            }
        }
        var rows = new Rows((float*)TensorAddress.Of(x), outputs.Select(t => TensorAddress.Of(t)).ToArray(), height, width, channels,
            [.. bounds.Select(b => (int)b)], coefficients, fromShifted);
        LibTorchTeam.For(batch * height, get_num_threads(), static () => 0, rows.Mix, static _ => { });
        return outputs;
    }

    private sealed class Rows(float* input, nint[] outputs, int height, int width, int channels, int[] bounds, float[] coefficients, int[] fromShifted)
    {
        public void Mix(int row, int _)
        {
            var h = row % height;
            var rowStart = (long)row * width * channels;
            fixed (float* coefficient = coefficients)
            fixed (int* shifted = fromShifted)
                for (var w = 0; w < width; w++)
                {
                    var at = input + rowStart + (long)w * channels;
                    // The quarters' sources: left, right, above and below neighbours (null at the border: zeros enter), then the token itself.
                    float* left = w > 0 ? at - channels : null, right = w < width - 1 ? at + channels : null;
                    float* above = h > 0 ? at - (long)width * channels : null, below = h < height - 1 ? at + (long)width * channels : null;
                    for (var o = 0; o < outputs.Length; o++)
                    {
                        var output = (float*)outputs[o] + rowStart + (long)w * channels;
                        var c0 = coefficient + o * channels;
                        var s0 = shifted + o * channels;
                        Quarter(at, left, output, c0, s0, bounds[0], bounds[1]);
                        Quarter(at, right, output, c0, s0, bounds[1], bounds[2]);
                        Quarter(at, above, output, c0, s0, bounds[2], bounds[3]);
                        Quarter(at, below, output, c0, s0, bounds[3], bounds[4]);
                        Quarter(at, at, output, c0, s0, bounds[4], bounds[5]);
                    }
                }
        }

        /// <summary>Channels [<paramref name="from"/>, <paramref name="to"/>) of one token: <c>fma(coefficient, x - s, fromShifted ? s : x)</c>.</summary>
        private static void Quarter(float* x, float* source, float* output, float* coefficient, int* fromShifted, int from, int to)
        {
            var c = from;
            for (; c + Lanes <= to; c += Lanes)
            {
                var value = Avx.LoadVector256(x + c);
                var shifted = source is null ? Vector256<float>.Zero : Avx.LoadVector256(source + c);
                var start = Vector256.ConditionalSelect(Avx.LoadVector256(fromShifted + c).AsSingle(), shifted, value);
                Avx.Store(output + c, Fma.MultiplyAdd(Avx.LoadVector256(coefficient + c), value - shifted, start));
            }
            for (; c < to; c++)
            {
                var value = x[c];
                var shifted = source is null ? 0f : source[c];
                output[c] = MathF.FusedMultiplyAdd(coefficient[c], value - shifted, fromShifted[c] != 0 ? shifted : value);
            }
        }
    }
}
