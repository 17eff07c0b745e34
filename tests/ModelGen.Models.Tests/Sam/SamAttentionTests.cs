using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamAttentionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Query_blocks_give_the_unblocked_result_and_gradients(bool useRelPos)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        // A non-square grid: the last block is shorter than the others, and blocks start inside grid rows.
        using var attention = new SamAttention(dim: 24, numHeads: 3, qkvBias: true, useRelPos, relPosSize: (7, 5));
        attention.to(ScalarType.Float64);
        RandomizeRelativePositions(attention);
        var x = randn(2, 7, 5, 24, ScalarType.Float64).requires_grad_();

        var unblocked = attention.call(x);
        var (inputGrad, parameterGrads) = Gradients(attention, x, unblocked);
        attention.QueriesPerBlock = 15; // blocks of 15, 15 and 5 queries
        var blocked = attention.call(x);
        var (blockedInputGrad, blockedParameterGrads) = Gradients(attention, x, blocked);

        TensorAssert.Close(unblocked, blocked, 1e-12, 1e-12, "output");
        TensorAssert.Close(inputGrad, blockedInputGrad, 1e-12, 1e-12, "input gradient");
        foreach (var (name, grad) in parameterGrads)
            TensorAssert.Close(grad, blockedParameterGrads[name], 1e-12, 1e-12, $"gradient of {name}");
    }

    [Fact]
    public void Blocks_of_one_query_give_the_unblocked_result()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var attention = new SamAttention(dim: 12, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 4);
        RandomizeRelativePositions(attention);
        using var _ = no_grad();
        var x = randn(1, 4, 4, 12);
        var unblocked = attention.call(x);

        attention.QueriesPerBlock = 1;
        var blocked = attention.call(x);

        TensorAssert.Close(unblocked, blocked, 1e-6, 1e-6, "output");
    }

    [Fact]
    public void An_empty_batch_gives_an_empty_output()
    {
        using var scope = NewDisposeScope();
        using var attention = new SamAttention(dim: 12, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 4) { QueriesPerBlock = 1 };
        using var _ = no_grad();

        var output = attention.call(zeros(0, 4, 4, 12));

        Assert.Equal([0L, 4, 4, 12], output.shape);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void A_block_size_that_is_not_positive_is_refused(long queries)
    {
        using var attention = new SamAttention(dim: 12, numHeads: 2, qkvBias: true, useRelPos: false, relPosSize: 4);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => attention.QueriesPerBlock = queries);

        Assert.Contains("QueriesPerBlock must be positive", error.Message);
    }

    private static void RandomizeRelativePositions(SamAttention attention)
    {
        using var _ = no_grad();
        attention.RelPosH?.normal_();
        attention.RelPosW?.normal_();
    }

    private static (Tensor Input, Dictionary<string, Tensor> Parameters) Gradients(SamAttention attention, Tensor x, Tensor output)
    {
        attention.zero_grad();
        x.grad?.zero_();
        using (var weights = cos(arange(output.numel(), output.dtype).view(output.shape)))
            (output * weights).sum().backward();
        return (x.grad!.clone(), attention.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }
}
