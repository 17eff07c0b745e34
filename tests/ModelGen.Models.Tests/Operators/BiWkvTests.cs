using ModelGen.Models.Operators;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Operators;

public class BiWkvTests
{
    private const double Float64Tolerance = 1e-9;

    [Theory]
    [InlineData("", "y")]
    [InlineData("_long", "y_long")]
    public void Formula_MatchesFixture(string suffix, string output)
    {
        using var scope = NewDisposeScope();
        using var fixture = FixtureCase.Load("vitamin/bi_wkv");
        var y = BiWkv.Apply(fixture.Read("w" + suffix), fixture.Read("u" + suffix), fixture.Read("k" + suffix),
            fixture.Read("v" + suffix));

        Assert.Equal(ScalarType.Float32, y.dtype);
        TensorAssert.Close(fixture.Read(output), y, fixture.Atol(output), fixture.Rtol, output);
    }

    [Theory]
    [InlineData("", "y_kernel")]
    [InlineData("_long", "y_long_kernel")]
    public void UpstreamKernelMode_MatchesFixture(string suffix, string output)
    {
        using var scope = NewDisposeScope();
        using var fixture = FixtureCase.Load("vitamin/bi_wkv");
        var y = BiWkv.Apply(fixture.Read("w" + suffix), fixture.Read("u" + suffix), fixture.Read("k" + suffix),
            fixture.Read("v" + suffix), BiWkvMode.UpstreamKernel);

        TensorAssert.Close(fixture.Read(output), y, fixture.Atol(output), fixture.Rtol, output);
    }

    [Fact]
    public void UpstreamKernelMode_UpToThirtyTwoTokens_IsFormulaWithBonusPlusDecay()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 29, channels: 6, keyScale: 20, seed: 5);

        var kernel = BiWkv.Apply(w, u, k, v, BiWkvMode.UpstreamKernel);
        var formula = BiWkv.Apply(w, u + w, k, v);

        // The kernel's 1e-6 in a denominator that is at least 1 moves y by at most 1e-6 relative.
        TensorAssert.Close(formula, kernel, 1e-6, 1e-5, "kernel vs formula with u + w");
        Assert.True((kernel - BiWkv.Apply(w, u, k, v)).abs().max().item<double>() > 1e-3,
            "the kernel mode should differ from the formula");
    }

    [Fact]
    public void UpstreamKernelMode_RefusesGradients()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 1, tokens: 4, channels: 2, keyScale: 1, seed: 1);
        w.requires_grad_(true);

        Assert.Throws<NotSupportedException>(() => BiWkv.Apply(w, u, k, v, BiWkvMode.UpstreamKernel));
    }

    [Theory]
    [InlineData(2, 37, 7, 3.0, 11)]
    [InlineData(1, 64, 20, 60.0, 12)]
    [InlineData(3, 1, 5, 60.0, 13)]
    [InlineData(2, 50, 36, 60.0, 14)]
    [InlineData(2, 37, 32, 3.0, 15)]
    [InlineData(1, 50, 48, 60.0, 16)]
    public void ForwardAndGradients_MatchNaiveReference(int batch, int tokens, int channels, double keyScale, int seed)
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch, tokens, channels, keyScale, seed);
        var gradY = randn([batch, tokens, channels], ScalarType.Float64, generator: new Generator((ulong)seed + 100));

        var (y, grads) = ValueAndGradients(Formula, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Naive, w, u, k, v, gradY);

        TensorAssert.Close(yRef, y, Float64Tolerance, Float64Tolerance, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
            TensorAssert.Close(gradsRef[i], grads[i], Float64Tolerance, Float64Tolerance, names[i]);
    }

    /// <summary>
    /// w and u divided by T as VRWKV_SpatialMix passes them, keys of moderate size: the kernel's direct scans. With
    /// <paramref name="largeKeyChannels"/> &gt; 0 the first channel block gets keys spread too wide for them and takes
    /// the log-scaled scans in the same call.
    /// </summary>
    [Theory]
    [InlineData(1, 200, 24, 0, 61)]
    [InlineData(2, 129, 9, 0, 62)]
    [InlineData(2, 90, 36, 16, 63)]
    [InlineData(2, 90, 48, 16, 64)]
    [InlineData(1, 300, 64, 0, 65)]
    public void VrwkvScaledInputs_MatchNaiveReference(int batch, int tokens, int channels, int largeKeyChannels, int seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var w = randn([channels], ScalarType.Float64, generator: generator) * 5 / tokens;
        var u = randn([channels], ScalarType.Float64, generator: generator) * 5 / tokens;
        var keyScale = where(arange(channels) < largeKeyChannels, 150.0, 8.0);
        var k = (rand([batch, tokens, channels], ScalarType.Float64, generator: generator) * 2 - 1) * keyScale;
        var v = randn([batch, tokens, channels], ScalarType.Float64, generator: generator);
        var gradY = randn([batch, tokens, channels], ScalarType.Float64, generator: generator);

        var (y, grads) = ValueAndGradients(Formula, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Naive, w, u, k, v, gradY);

        TensorAssert.Close(yRef, y, Float64Tolerance, Float64Tolerance, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
            TensorAssert.Close(gradsRef[i], grads[i], Float64Tolerance, Float64Tolerance, names[i]);
    }

    /// <summary>
    /// Losses whose gradient reaches the operator as a view: all one value (<c>sum()</c>), one value per token
    /// (channel stride 0), batch and token strides swapped (channel stride 1), and channels strided (channel stride T);
    /// the kernels read each in place. Keys of scale 3 take the direct scans, of scale 150 the log-scaled ones; 7
    /// channels make one partial block, 32 two whole ones.
    /// </summary>
    [Theory]
    [InlineData(0, 3.0)]
    [InlineData(1, 3.0)]
    [InlineData(1, 150.0)]
    [InlineData(2, 3.0)]
    [InlineData(2, 150.0)]
    [InlineData(3, 3.0)]
    [InlineData(0, 3.0, 32)]
    [InlineData(1, 150.0, 32)]
    [InlineData(2, 3.0, 32)]
    [InlineData(3, 150.0, 32)]
    public void GradientsOfStridedOutputGradients_MatchNaiveReference(int layout, double keyScale, int channels = 7)
    {
        using var scope = NewDisposeScope();
        const int batch = 2, tokens = 37;
        var (w, u, k, v) = RandomInputs(batch, tokens, channels, keyScale, seed: 71);
        var generator = new Generator(72);
        Func<Tensor, Tensor> loss = layout switch
        {
            0 => y => y.sum(),
            1 => y => (y.sum(2) * randn([batch, tokens], ScalarType.Float64, generator: generator)).sum(),
            2 => y => (y.transpose(0, 1) * randn([tokens, batch, channels], ScalarType.Float64, generator: generator))
                .sum(),
            _ => y => (y.transpose(1, 2) * randn([batch, channels, tokens], ScalarType.Float64, generator: generator))
                .sum(),
        };

        generator.manual_seed(72);
        var (_, grads) = ValueAndGradients(Formula, w, u, k, v, loss);
        generator.manual_seed(72);
        var (_, gradsRef) = ValueAndGradients(Naive, w, u, k, v, loss);

        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
            TensorAssert.Close(gradsRef[i], grads[i], Float64Tolerance, Float64Tolerance, names[i]);
    }

    /// <summary>
    /// float32 inputs of VRWKV's scale take the float32 scans. Values are made float32 first, so that the float64
    /// reference sees the same inputs; v carries a ramp over the tokens, which weighs a wrong decay at long distances.
    /// </summary>
    [Theory]
    [InlineData(1, 300, 16, 91)]
    [InlineData(2, 129, 9, 92)]
    [InlineData(2, 200, 36, 93)]
    [InlineData(1, 1000, 48, 94)]
    public void Float32Scans_MatchTheFloat64Reference(int batch, int tokens, int channels, int seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var w = AsFloat32Values(randn([channels], ScalarType.Float64, generator: generator) * 5 / tokens);
        var u = AsFloat32Values(randn([channels], ScalarType.Float64, generator: generator) * 5 / tokens);
        var k = AsFloat32Values((rand([batch, tokens, channels], ScalarType.Float64, generator: generator) * 2 - 1) * 8);
        var ramp = arange(tokens, ScalarType.Float64).reshape(1, tokens, 1) / tokens;
        var v = AsFloat32Values(randn([batch, tokens, channels], ScalarType.Float64, generator: generator) * 0.1 + ramp);
        var gradY = AsFloat32Values(randn([batch, tokens, channels], ScalarType.Float64, generator: generator));

        var (y, grads) = ValueAndGradients(
            (a, b, c, d) => Formula(a.to_type(ScalarType.Float32), b.to_type(ScalarType.Float32),
                c.to_type(ScalarType.Float32), d.to_type(ScalarType.Float32)).to_type(ScalarType.Float64),
            w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Naive, w, u, k, v, gradY);

        TensorAssert.Close(yRef, y, 1e-5, 1e-5, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
        {
            var scale = gradsRef[i].abs().max().item<double>();
            TensorAssert.Close(gradsRef[i], grads[i], 2e-5 * scale, 1e-5, names[i]);
            Assert.True(RelativeError(gradsRef[i], grads[i]) < 1e-5, names[i]);
        }
    }

    [Fact]
    public void Float32_IsCloseToFloat64()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 300, channels: 19, keyScale: 30, seed: 21);

        var y32 = BiWkv.Apply(w.to_type(ScalarType.Float32), u.to_type(ScalarType.Float32),
            k.to_type(ScalarType.Float32), v.to_type(ScalarType.Float32));

        Assert.Equal(ScalarType.Float32, y32.dtype);
        TensorAssert.Close(Naive(w, u, k, v), y32, 1e-5, 1e-5, "float32 y");
    }

    [Fact]
    public void Gradients_MatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 6, channels: 3, keyScale: 2, seed: 31);
        var gradY = randn([2, 6, 3], ScalarType.Float64, generator: new Generator(32));
        var (_, grads) = ValueAndGradients(Formula, w, u, k, v, gradY);

        Tensor[] inputs = [w, u, k, v];
        string[] names = ["dw", "du", "dk", "dv"];
        const double step = 1e-6;
        for (var i = 0; i < inputs.Length; i++)
        {
            var flat = inputs[i].view(-1);
            var numeric = zeros_like(flat);
            for (var j = 0; j < flat.numel(); j++)
            {
                using var inner = NewDisposeScope();
                var original = flat[j].item<double>();
                flat[j] = original + step;
                var plus = (BiWkv.Apply(w, u, k, v) * gradY).sum().item<double>();
                flat[j] = original - step;
                var minus = (BiWkv.Apply(w, u, k, v) * gradY).sum().item<double>();
                flat[j] = original;
                numeric[j] = (plus - minus) / (2 * step);
            }
            TensorAssert.Close(numeric.view_as(inputs[i]), grads[i], 1e-7, 1e-6, names[i]);
        }
    }

    [Fact]
    public void LongSequenceWithLargeKeys_IsFiniteAndExactAtSampledPositions()
    {
        using var scope = NewDisposeScope();
        const int tokens = 65536;
        var generator = new Generator(41);
        var k = (rand([1, tokens, 4], ScalarType.Float64, generator: generator) * 120 - 60);
        var v = randn([1, tokens, 4], ScalarType.Float64, generator: generator);
        // Decays from growing (e^20 over the sequence) to strongly shrinking.
        var w = tensor(new[] { -3e-4, 1e-4, 2e-3, 0.5 });
        var u = tensor(new[] { 0.3, -1.0, 2.0, 0.0 });
        var positions = tensor(new long[] { 0, 1, 2, 777, 4096, 30000, 32767, 32768, 50001, 65534, 65535 });
        var gradY = zeros([1, tokens, 4], ScalarType.Float64);
        gradY.index_put_(randn([1, positions.shape[0], 4], ScalarType.Float64, generator: generator),
            TensorIndex.Colon, TensorIndex.Tensor(positions));

        var (y, grads) = ValueAndGradients(Formula, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(
            (wr, ur, kr, vr) => NaiveAt(wr, ur, kr, vr, positions), w, u, k, v, gradY.index_select(1, positions));

        Assert.True(y.isfinite().all().item<bool>(), "y has non-finite values");
        TensorAssert.Close(yRef, y.index_select(1, positions), 1e-9, 1e-9, "y at sampled positions");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
        {
            Assert.True(grads[i].isfinite().all().item<bool>(), $"{names[i]} has non-finite values");
            // dw sums terms growing with the distance (up to 65535) that largely cancel, so it gets a looser rtol.
            TensorAssert.Close(gradsRef[i], grads[i], 1e-9, i == 0 ? 1e-6 : 1e-8, names[i]);
        }
    }

    [Fact]
    public void RejectsMixedDtypesAndBadShapes()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 1, tokens: 3, channels: 2, keyScale: 1, seed: 51);

        Assert.Throws<ArgumentException>(() => BiWkv.Apply(w.to_type(ScalarType.Float32), u, k, v));
        Assert.Throws<ArgumentException>(() => BiWkv.Apply(w, u, k, v[.., ..2]));
        Assert.Throws<ArgumentException>(() => BiWkv.Apply(w[..1], u, k, v));
        Assert.Throws<ArgumentException>(() => BiWkv.Apply(w.to_type(ScalarType.Int64), u.to_type(ScalarType.Int64),
            k.to_type(ScalarType.Int64), v.to_type(ScalarType.Int64)));
    }

    [Fact]
    public void RejectsTensorsOnDifferentDevices()
    {
        using var scope = NewDisposeScope();
        var meta = new Device(DeviceType.META);
        var (w, u, k, v) = RandomInputs(batch: 1, tokens: 3, channels: 2, keyScale: 1, seed: 52);

        var error = Assert.Throws<ArgumentException>(() => BiWkv.Apply(w, u, k.to(meta), v.to(meta)));
        Assert.Contains("on one device", error.Message);
    }

    [Fact]
    public void OffTheCpu_ReturnsTheInputsDeviceDtypeAndShape()
    {
        using var scope = NewDisposeScope();
        var meta = new Device(DeviceType.META);
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 5, channels: 3, keyScale: 1, seed: 53);

        var y = BiWkv.Apply(w.to(meta), u.to(meta), k.to(meta), v.to(ScalarType.Float64, meta));

        Assert.Equal(DeviceType.META, y.device_type);
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.Equal(k.shape, y.shape);
    }

    /// <summary>
    /// The tensor-op evaluation against the naive reference: T of one chunk (2 tokens), of two full chunks (6), of
    /// several with a shorter last one (37, 64, 65, 130, 301), a single token, B &gt; 1; keys up to ±<paramref name="keyScale"/>, w·T up to
    /// ±<paramref name="decayTimesTokens"/> (growing as well as shrinking decays) and bonuses up to ±<paramref name="bonusScale"/>.
    /// </summary>
    [Theory]
    [InlineData(2, 37, 7, 3.0, 5.0, 1.0, 81)]
    [InlineData(2, 2, 3, 80.0, 5.0, 50.0, 87)]
    [InlineData(2, 6, 3, 80.0, 30.0, 50.0, 88)]
    [InlineData(1, 64, 5, 80.0, 300.0, 50.0, 82)]
    [InlineData(3, 1, 5, 80.0, 5.0, 50.0, 83)]
    [InlineData(2, 65, 6, 80.0, 300.0, 50.0, 84)]
    [InlineData(2, 130, 4, 80.0, 400.0, 10.0, 85)]
    [InlineData(1, 301, 3, 30.0, 250.0, 5.0, 86)]
    public void TensorOps_ForwardAndGradients_MatchNaiveReference(
        int batch, int tokens, int channels, double keyScale, double decayTimesTokens, double bonusScale, int seed)
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = WideInputs(batch, tokens, channels, keyScale, decayTimesTokens, bonusScale, seed);
        var gradY = randn([batch, tokens, channels], ScalarType.Float64, generator: new Generator((ulong)seed + 100));

        var (y, grads) = ValueAndGradients(TensorOps, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Naive, w, u, k, v, gradY);

        TensorAssert.Close(yRef, y, Float64Tolerance, Float64Tolerance, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
        {
            // dw sums terms growing with the distance (w·T of hundreds) that largely cancel, as in the CPU kernel's test.
            TensorAssert.Close(gradsRef[i], grads[i], Float64Tolerance, i == 0 ? 1e-7 : Float64Tolerance, names[i]);
        }
    }

    [Fact]
    public void TensorOps_InFloat32_IsCloseToTheFloat64Reference()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = WideInputs(batch: 2, tokens: 150, channels: 9, keyScale: 80, decayTimesTokens: 300,
            bonusScale: 50, seed: 91);
        var gradY = randn([2, 150, 9], ScalarType.Float64, generator: new Generator(92));
        Func<Tensor, Tensor, Tensor, Tensor, Tensor> inFloat32 = (wr, ur, kr, vr) => BiWkv.Apply(
            wr.to_type(ScalarType.Float32), ur.to_type(ScalarType.Float32), kr.to_type(ScalarType.Float32),
            vr.to_type(ScalarType.Float32), BiWkvMode.TensorOps).to_type(ScalarType.Float64);

        var (y, grads) = ValueAndGradients(inFloat32, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Naive, w, u, k, v, gradY);

        Assert.True(y.isfinite().all().item<bool>(), "y has non-finite values");
        // Logits of a few hundred carry an absolute float32 error of a few 1e-5 into the weights.
        TensorAssert.Close(yRef, y, 1e-4, 1e-4, "float32 y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
        {
            Assert.True(grads[i].isfinite().all().item<bool>(), $"{names[i]} has non-finite values");
            Assert.True(RelativeError(gradsRef[i], grads[i]) < 1e-4, $"{names[i]}: relative error {RelativeError(gradsRef[i], grads[i])}");
        }
    }

    /// <summary>Many chunks, checked against the CPU kernel rather than the O(T²) reference.</summary>
    [Fact]
    public void TensorOps_OnALongSequence_MatchesTheCpuKernel()
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = WideInputs(batch: 1, tokens: 4099, channels: 4, keyScale: 60, decayTimesTokens: 200,
            bonusScale: 5, seed: 93);
        var gradY = randn([1, 4099, 4], ScalarType.Float64, generator: new Generator(94));

        var (y, grads) = ValueAndGradients(TensorOps, w, u, k, v, gradY);
        var (yRef, gradsRef) = ValueAndGradients(Formula, w, u, k, v, gradY);

        TensorAssert.Close(yRef, y, Float64Tolerance, Float64Tolerance, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
            TensorAssert.Close(gradsRef[i], grads[i], Float64Tolerance, i == 0 ? 1e-7 : 1e-8, names[i]);
    }

    /// <summary>Every intermediate of a tensor-op forward and backward is disposed (the gradients live in LibTorch until read).</summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void TensorOps_ForwardAndBackward_LeaveNoLiveTensors(ScalarType dtype)
    {
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 70, channels: 3, keyScale: 5, seed: 98);
        Tensor[] leaves = [w.to_type(dtype).requires_grad_(true), u.to_type(dtype).requires_grad_(true),
            k.to_type(dtype).requires_grad_(true), v.to_type(dtype).requires_grad_(true)];
        foreach (var t in new[] { w, u, k, v })
            t.Dispose();

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var y = BiWkv.Apply(leaves[0], leaves[1], leaves[2], leaves[3], BiWkvMode.TensorOps))
        using (var loss = y.sum())
            loss.backward();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        foreach (var leaf in leaves)
        {
            leaf.grad!.Dispose();
            leaf.Dispose();
        }
    }

    [Theory]
    [InlineData(BiWkvMode.Formula)]
    [InlineData(BiWkvMode.TensorOps)]
    public void AnEmptyBatch_GivesAnEmptyOutputAndZeroGradients(BiWkvMode mode)
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 0, tokens: 70, channels: 3, keyScale: 1, seed: 95);

        var (y, grads) = ValueAndGradients((wr, ur, kr, vr) => BiWkv.Apply(wr, ur, kr, vr, mode), w, u, k, v, y => y.sum());

        Assert.Equal(new long[] { 0, 70, 3 }, y.shape);
        Assert.All(grads, g => Assert.Equal(0, g.abs().sum().item<double>()));
    }

    /// <summary>Half-precision inputs are computed in float32 and the result rounded to their dtype, gradients included.</summary>
    [Theory]
    [InlineData(ScalarType.BFloat16, BiWkvMode.Formula)]
    [InlineData(ScalarType.BFloat16, BiWkvMode.TensorOps)]
    [InlineData(ScalarType.Float16, BiWkvMode.Formula)]
    [InlineData(ScalarType.Float16, BiWkvMode.TensorOps)]
    public void HalfPrecision_IsComputedInFloat32(ScalarType dtype, BiWkvMode mode)
    {
        using var scope = NewDisposeScope();
        var (w, u, k, v) = RandomInputs(batch: 2, tokens: 70, channels: 5, keyScale: 8, seed: 96);
        Tensor[] half = [w.to_type(dtype), u.to_type(dtype), k.to_type(dtype), v.to_type(dtype)];
        var gradY = randn([2, 70, 5], ScalarType.Float64, generator: new Generator(97)).to_type(dtype);

        var (y, grads) = ValueAndGradients((wr, ur, kr, vr) => BiWkv.Apply(wr, ur, kr, vr, mode),
            half[0], half[1], half[2], half[3], gradY);
        var inFloat32 = half.Select(t => t.to_type(ScalarType.Float32)).ToArray();
        var (yRef, gradsRef) = ValueAndGradients(Formula, inFloat32[0], inFloat32[1], inFloat32[2], inFloat32[3],
            gradY.to_type(ScalarType.Float32));

        Assert.Equal(dtype, y.dtype);
        // The result is the float32 one rounded once to the dtype: within half its unit in the last place.
        var unit = dtype == ScalarType.BFloat16 ? Math.Pow(2, -8) : Math.Pow(2, -11);
        TensorAssert.Close(yRef, y.to_type(ScalarType.Float32), 1e-6, unit, "y");
        string[] names = ["dw", "du", "dk", "dv"];
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(dtype, grads[i].dtype);
            TensorAssert.Close(gradsRef[i], grads[i].to_type(ScalarType.Float32), 1e-3, unit, names[i]);
        }
    }

    private static (Tensor W, Tensor U, Tensor K, Tensor V) RandomInputs(
        int batch, int tokens, int channels, double keyScale, int seed)
    {
        var generator = new Generator((ulong)seed);
        var w = randn([channels], ScalarType.Float64, generator: generator) * 0.5;
        var u = randn([channels], ScalarType.Float64, generator: generator);
        var k = (rand([batch, tokens, channels], ScalarType.Float64, generator: generator) * 2 - 1) * keyScale;
        var v = randn([batch, tokens, channels], ScalarType.Float64, generator: generator);
        return (w, u, k, v);
    }

    /// <summary>Keys up to ±keyScale, w·T up to ±decayTimesTokens, u up to ±bonusScale (uniform).</summary>
    private static (Tensor W, Tensor U, Tensor K, Tensor V) WideInputs(int batch, int tokens, int channels,
        double keyScale, double decayTimesTokens, double bonusScale, int seed)
    {
        var generator = new Generator((ulong)seed);
        var w = (rand([channels], ScalarType.Float64, generator: generator) * 2 - 1) * decayTimesTokens / tokens;
        var u = (rand([channels], ScalarType.Float64, generator: generator) * 2 - 1) * bonusScale;
        var k = (rand([batch, tokens, channels], ScalarType.Float64, generator: generator) * 2 - 1) * keyScale;
        var v = randn([batch, tokens, channels], ScalarType.Float64, generator: generator);
        return (w, u, k, v);
    }

    private static Tensor AsFloat32Values(Tensor values) => values.to_type(ScalarType.Float32).to_type(ScalarType.Float64);

    private static double RelativeError(Tensor expected, Tensor actual) =>
        ((actual - expected).norm() / expected.norm()).item<double>();

    private static (Tensor Value, Tensor[] Gradients) ValueAndGradients(
        Func<Tensor, Tensor, Tensor, Tensor, Tensor> op, Tensor w, Tensor u, Tensor k, Tensor v, Tensor gradY) =>
        ValueAndGradients(op, w, u, k, v, y => (y * gradY).sum());

    private static (Tensor Value, Tensor[] Gradients) ValueAndGradients(
        Func<Tensor, Tensor, Tensor, Tensor, Tensor> op, Tensor w, Tensor u, Tensor k, Tensor v,
        Func<Tensor, Tensor> loss)
    {
        Tensor[] leaves = [w.detach().requires_grad_(true), u.detach().requires_grad_(true),
            k.detach().requires_grad_(true), v.detach().requires_grad_(true)];
        var y = op(leaves[0], leaves[1], leaves[2], leaves[3]);
        loss(y).backward();
        return (y.detach(), leaves.Select(leaf => leaf.grad!.clone()).ToArray());
    }

    private static Tensor Formula(Tensor w, Tensor u, Tensor k, Tensor v) => BiWkv.Apply(w, u, k, v);

    private static Tensor TensorOps(Tensor w, Tensor u, Tensor k, Tensor v) =>
        BiWkv.Apply(w, u, k, v, BiWkvMode.TensorOps);

    /// <summary>The formula as a softmax over all token pairs, O(T²).</summary>
    private static Tensor Naive(Tensor w, Tensor u, Tensor k, Tensor v) =>
        NaiveAt(w, u, k, v, arange(k.shape[1], ScalarType.Int64));

    /// <summary>The formula at the given output positions only, O(T) each.</summary>
    private static Tensor NaiveAt(Tensor w, Tensor u, Tensor k, Tensor v, Tensor positions)
    {
        var tokens = arange(k.shape[1], ScalarType.Float64);
        var distance = (positions.to_type(ScalarType.Float64).unsqueeze(1) - tokens.unsqueeze(0)).abs(); // (P, T)
        var self = distance.eq(0).to_type(ScalarType.Float64).unsqueeze(-1);
        var pairLogit = (-(distance - 1)).unsqueeze(-1) * w * (1 - self) + self * u;  // (P, T, C)
        var weights = softmax(pairLogit.unsqueeze(0) + k.unsqueeze(1), 2);              // (B, P, T, C)
        return (weights * v.unsqueeze(1)).sum(2);
    }
}
