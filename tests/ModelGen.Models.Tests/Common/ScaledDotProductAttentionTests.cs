using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.Vitamin;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class ScaledDotProductAttentionTests
{
    /// <summary>(leading dimensions, queries, keys, d, dv): token counts off LibTorch's block sizes, unequal q and k counts.</summary>
    public static TheoryData<long[], long, long, long, long> Shapes => new()
    {
        { [2, 3], 37, 37, 16, 16 },
        { [1, 6], 300, 300, 64, 64 },
        { [3], 5, 129, 8, 24 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void It_is_the_formula_in_values_and_gradients(long[] leading, long queries, long keys, long d, long dv)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(21);
        var q = randn([.. leading, queries, d], generator: generator).requires_grad_(true);
        var k = randn([.. leading, keys, d], generator: generator).requires_grad_(true);
        var v = randn([.. leading, keys, dv], generator: generator).requires_grad_(true);
        var gradient = randn([.. leading, queries, dv], generator: generator);
        var (q64, k64, v64) = (Float64Leaf(q), Float64Leaf(k), Float64Leaf(v));

        var y = ScaledDotProductAttention.Of(q, k, v);
        var expected = ScaledDotProductAttention.Formula(q64, k64, v64);
        y.backward([gradient]);
        expected.backward([gradient.to_type(ScalarType.Float64)]);

        Assert.Equal([.. leading, queries, dv], y.shape);
        AssertClose(expected, y);
        AssertClose(q64.grad!, q.grad!);
        AssertClose(k64.grad!, k.grad!);
        AssertClose(v64.grad!, v.grad!);
    }

    [Fact]
    public void On_the_meta_device_it_gives_the_shape()
    {
        using var scope = NewDisposeScope();
        var y = ScaledDotProductAttention.Of(empty(2, 4, 50, 16, device: META), empty(2, 4, 70, 16, device: META),
            empty(2, 4, 70, 8, device: META));

        Assert.Equal(DeviceType.META, y.device_type);
        Assert.Equal([2L, 4, 50, 8], y.shape);
    }

    [Fact]
    public void Its_products_are_counted()
    {
        using var scope = NewDisposeScope();
        using var attention = new MultiheadSelfAttention(64, 4);

        var count = FlopCounter.Count(attention, randn(1, 5, 7, 64));

        // Two products of 35 x 35 scores per head of 16 channels.
        Assert.Equal(2L * 4 * 35 * 35 * 16, count[FlopKind.AttentionMatmul]);
    }

    private static Tensor Float64Leaf(Tensor t) => t.detach().to_type(ScalarType.Float64).requires_grad_(true);

    private static void AssertClose(Tensor expected, Tensor actual) =>
        Assert.True(actual.to_type(ScalarType.Float64).allclose(expected, rtol: 1e-4, atol: 1e-5),
            $"largest difference {(actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>():E2}");
}
