using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamAttentionTests
{
    [Theory]
    [InlineData(true, 15 * 35L)] // blocks of 15, 15 and 5 queries of one head
    [InlineData(false, 15 * 35L)]
    [InlineData(true, 4 * 35 * 35L)] // all queries of 4 heads, then of the last 2
    [InlineData(false, 4 * 35 * 35L)]
    public void Blocks_give_the_unblocked_result_and_gradients(bool useRelPos, long scoresPerBlock)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        // A non-square grid of 35 tokens: blocks start inside grid rows; 2 images of 3 heads are 6 sequences.
        using var attention = new SamAttention(dim: 24, numHeads: 3, qkvBias: true, useRelPos, relPosSize: (7, 5));
        attention.to(ScalarType.Float64);
        RandomizeRelativePositions(attention);
        var x = randn(2, 7, 5, 24, ScalarType.Float64).requires_grad_();

        var unblocked = attention.call(x);
        var (inputGrad, parameterGrads) = Gradients(attention, x, unblocked);
        attention.ScoresPerBlock = scoresPerBlock;
        var blocked = attention.call(x);
        var (blockedInputGrad, blockedParameterGrads) = Gradients(attention, x, blocked);

        TensorAssert.Close(unblocked, blocked, 1e-12, 1e-12, "output");
        TensorAssert.Close(inputGrad, blockedInputGrad, 1e-12, 1e-12, "input gradient");
        foreach (var (name, grad) in parameterGrads)
            TensorAssert.Close(grad, blockedParameterGrads[name], 1e-12, 1e-12, $"gradient of {name}");
    }

    [Theory]
    [InlineData(1L << 21, 12L, 4096L, 1L, 512L)] // global attention at 1024²: a run of one head's queries
    [InlineData(1L << 21, 300L, 196L, 54L, 196L)] // 25 windows x 12 heads: all queries of 54 of them
    [InlineData(1L << 30, 300L, 196L, 300L, 196L)] // no more sequences than there are
    [InlineData(1L, 12L, 4096L, 1L, 1L)] // at least one row
    public void A_block_is_whole_rows_of_scores(long scoresPerBlock, long sequences, long tokens, long expectedSequences, long expectedQueries)
    {
        Assert.Equal((expectedSequences, expectedQueries), SamAttention.BlockShape(scoresPerBlock, sequences, tokens));
    }

    [Fact]
    public void The_in_place_softmax_gives_the_textbook_attention_and_its_gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var attention = new SamAttention(dim: 24, numHeads: 3, qkvBias: true, useRelPos: true, relPosSize: (7, 5)) { ScoresPerBlock = 10 * 35 };
        attention.to(ScalarType.Float64);
        RandomizeRelativePositions(attention);
        // Large scores, so that a softmax without its row maximum taken out would overflow.
        using (no_grad())
            attention.Qkv.Weight.mul_(40);
        var x = randn(2, 7, 5, 24, ScalarType.Float64).requires_grad_();

        var blocked = attention.call(x);
        var (inputGrad, parameterGrads) = Gradients(attention, x, blocked);
        var textbook = TextbookAttention(attention, x, numHeads: 3);
        var (textbookInputGrad, textbookParameterGrads) = Gradients(attention, x, textbook);

        Assert.True(blocked.isfinite().all().item<bool>());
        TensorAssert.Close(textbook, blocked, 1e-10, 1e-10, "output");
        TensorAssert.Close(textbookInputGrad, inputGrad, 1e-10, 1e-10, "input gradient");
        foreach (var (name, grad) in textbookParameterGrads)
            TensorAssert.Close(grad, parameterGrads[name], 1e-10, 1e-10, $"gradient of {name}");
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

        attention.ScoresPerBlock = 1;
        var blocked = attention.call(x);

        TensorAssert.Close(unblocked, blocked, 1e-6, 1e-6, "output");
    }

    [Fact]
    public void An_empty_batch_gives_an_empty_output()
    {
        using var scope = NewDisposeScope();
        using var attention = new SamAttention(dim: 12, numHeads: 2, qkvBias: true, useRelPos: true, relPosSize: 4) { ScoresPerBlock = 1 };
        using var _ = no_grad();

        var output = attention.call(zeros(0, 4, 4, 12));

        Assert.Equal([0L, 4, 4, 12], output.shape);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void A_block_size_that_is_not_positive_is_refused(long scores)
    {
        using var attention = new SamAttention(dim: 12, numHeads: 2, qkvBias: true, useRelPos: false, relPosSize: 4);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => attention.ScoresPerBlock = scores);

        Assert.Contains("ScoresPerBlock must be positive", error.Message);
    }

    private static void RandomizeRelativePositions(SamAttention attention)
    {
        using var _ = no_grad();
        attention.RelPosH?.normal_();
        attention.RelPosW?.normal_();
    }

    /// <summary>SAM's attention as upstream writes it: the whole map, the relative positions added to it, softmax.</summary>
    private static Tensor TextbookAttention(SamAttention attention, Tensor x, long numHeads)
    {
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (tokens, headDim) = (height * width, channels / numHeads);
        var qkv = attention.Qkv.call(x).reshape(batch, tokens, 3, numHeads, headDim).permute(2, 0, 3, 1, 4).reshape(3, batch * numHeads, tokens, headDim);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        var scores = matmul(q * Math.Pow(headDim, -0.5), k.transpose(-2, -1));
        var (termsH, termsW) = RelativePosition.DecomposedTerms(q, RelativePosition.Get(height, height, attention.RelPosH!),
            RelativePosition.Get(width, width, attention.RelPosW!), (height, width), (height, width));
        scores = (scores.view(-1, height, width, height, width) + termsH.unsqueeze(-1) + termsW.unsqueeze(-2)).view(-1, tokens, tokens);
        var attended = matmul(scores.softmax(-1), v).view(batch, numHeads, height, width, headDim).permute(0, 2, 3, 1, 4).reshape(batch, height, width, channels);
        return attention.Proj.call(attended);
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
