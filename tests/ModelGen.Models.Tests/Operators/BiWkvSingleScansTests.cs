using System.Runtime.InteropServices;
using ModelGen.Models.Operators;

namespace ModelGen.Models.Tests.Operators;

public sealed unsafe class BiWkvSingleScansTests
{
    private const int Channels = BiWkvShape.BlockChannels;

    [Fact]
    public void Both_row_types_compute_exp_within_two_ulp_across_its_range()
    {
        Assert.True(WorstExpError<BlockRow256Pair>() < 2.5e-7);
        Assert.True(WorstExpError<BlockRow512>() < 2.5e-7);
    }

    [Fact]
    public void Both_row_types_give_the_same_outputs_and_gradients()
    {
        using var inputs = new Block(tokens: 257, keyScale: 8, valueScale: 1, gradientScale: 1, seed: 1);
        using var other = inputs.Copy();

        Assert.True(BiWkvSingleScans.TryForward<BlockRow256Pair>(inputs.Tokens, 0, Channels, inputs.W, inputs.U,
            inputs.K, inputs.V, inputs.Saved));
        Assert.True(BiWkvSingleScans.TryForward<BlockRow512>(other.Tokens, 0, Channels, other.W, other.U,
            other.K, other.V, other.Saved));
        AssertClose(inputs.KValues, other.KValues, 1e-6);

        using var backward = new Block(tokens: 257, keyScale: 8, valueScale: 1, gradientScale: 1, seed: 2);
        using var otherBackward = backward.Copy();
        var (gradW, gradU, otherGradW, otherGradU) = (new double[Channels], new double[Channels],
            new double[Channels], new double[Channels]);
        Assert.True(BiWkvSingleScans.TryBackward<BlockRow256Pair>(backward.Tokens, 0, Channels, backward.W,
            backward.U, backward.K, backward.V, backward.GradY, gradW, gradU, backward.Saved));
        Assert.True(BiWkvSingleScans.TryBackward<BlockRow512>(otherBackward.Tokens, 0, Channels, otherBackward.W,
            otherBackward.U, otherBackward.K, otherBackward.V, otherBackward.GradY, otherGradW, otherGradU,
            otherBackward.Saved));
        AssertClose(backward.KValues, otherBackward.KValues, 1e-6);
        AssertClose(backward.VValues, otherBackward.VValues, 1e-6);
        AssertClose(gradW, otherGradW, 1e-6);
        AssertClose(gradU, otherGradU, 1e-6);
    }

    [Theory]
    [InlineData(8.0, 1.0, 1.0, true)]
    [InlineData(150.0, 1.0, 1.0, false)]
    [InlineData(8.0, 1e30, 1.0, false)]
    [InlineData(8.0, 1.0, 1e30, false)]
    public void Blocks_too_wide_for_float32_are_left_to_the_float64_scans(double keyScale, double valueScale,
        double gradientScale, bool narrowEnough)
    {
        using var block = new Block(tokens: 100, keyScale, valueScale, gradientScale, seed: 3);
        using var forwardBlock = block.Copy();
        var keys = block.KValues.ToArray();
        var values = block.VValues.ToArray();

        var backward = BiWkvSingleScans.TryBackward(block.Tokens, 0, Channels, block.W, block.U, block.K, block.V,
            block.GradY, new double[Channels], new double[Channels], block.Saved);
        var forward = BiWkvSingleScans.TryForward(forwardBlock.Tokens, 0, Channels, forwardBlock.W, forwardBlock.U,
            forwardBlock.K, forwardBlock.V, forwardBlock.Saved);

        Assert.Equal(narrowEnough, backward);
        // The forward does not see the gradient.
        Assert.Equal(narrowEnough || gradientScale > 1, forward);
        if (!backward)
        {
            Assert.Equal(keys, block.KValues.ToArray());
            Assert.Equal(values, block.VValues.ToArray());
        }
        if (!forward)
            Assert.Equal(keys, forwardBlock.KValues.ToArray());
    }

    [Fact]
    public void A_key_that_is_not_a_number_is_left_to_the_float64_scans()
    {
        using var block = new Block(tokens: 50, keyScale: 8, valueScale: 1, gradientScale: 1, seed: 4);
        block.KValues[17 * Channels + 3] = float.NaN;

        Assert.False(BiWkvSingleScans.TryForward(block.Tokens, 0, Channels, block.W, block.U, block.K, block.V,
            block.Saved));
    }

    private static double WorstExpError<TRow>() where TRow : struct, IBlockRow<TRow>
    {
        const float lowest = -87, highest = 88;
        const int samples = 160_000;
        Span<float> lanes = stackalloc float[Channels];
        var worst = 0.0;
        for (var i = 0; i < samples; i += Channels)
        {
            for (var lane = 0; lane < Channels; lane++)
                lanes[lane] = lowest + (highest - lowest) * (i + lane + 0.37f) / samples;
            var y = TRow.Exp(TRow.Create(lanes));
            for (var lane = 0; lane < Channels; lane++)
            {
                var expected = Math.Exp(lanes[lane]);
                worst = Math.Max(worst, Math.Abs(y[lane] - expected) / expected);
            }
        }
        return worst;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative)
    {
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * (1 + Math.Abs(expected[i])),
                $"element {i}: {expected[i]} against {actual[i]}");
    }

    private static void AssertClose(double[] expected, double[] actual, double relative)
    {
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * (1 + Math.Abs(expected[i])),
                $"element {i}: {expected[i]} against {actual[i]}");
    }

    /// <summary>One block's dense (T, 16) k, v and gradY, VRWKV-scaled w and u, and the scans' scratch.</summary>
    private sealed class Block : IDisposable
    {
        private readonly float* _memory;

        public Block(int tokens, double keyScale, double valueScale, double gradientScale, int seed)
            : this(tokens)
        {
            var random = new Random(seed);
            for (var i = 0; i < tokens * Channels; i++)
            {
                KValues[i] = (float)((random.NextDouble() * 2 - 1) * keyScale);
                VValues[i] = (float)((random.NextDouble() * 2 - 1) * valueScale);
                GradYValues[i] = (float)((random.NextDouble() * 2 - 1) * gradientScale);
            }
            for (var c = 0; c < Channels; c++)
            {
                W[c] = (random.NextDouble() * 2 - 1) * 5 / tokens;
                U[c] = (random.NextDouble() * 2 - 1) * 5 / tokens;
            }
        }

        private Block(int tokens)
        {
            Tokens = tokens;
            // k, v, gradY, then 5 floats per token and channel of scratch.
            _memory = (float*)NativeMemory.AllocZeroed((nuint)(tokens * Channels * 8), sizeof(float));
        }

        public int Tokens { get; }
        public double[] W { get; } = new double[Channels];
        public double[] U { get; } = new double[Channels];
        public float* K => _memory;
        public float* V => _memory + Tokens * Channels;
        public float* GradY => _memory + 2 * Tokens * Channels;
        public float* Saved => _memory + 3 * Tokens * Channels;
        public Span<float> KValues => new(K, Tokens * Channels);
        public Span<float> VValues => new(V, Tokens * Channels);
        private Span<float> GradYValues => new(GradY, Tokens * Channels);

        public Block Copy()
        {
            var copy = new Block(Tokens);
            new Span<float>(_memory, Tokens * Channels * 3).CopyTo(new Span<float>(copy._memory, Tokens * Channels * 3));
            W.CopyTo(copy.W, 0);
            U.CopyTo(copy.U, 0);
            return copy;
        }

        public void Dispose() => NativeMemory.Free(_memory);
    }
}
