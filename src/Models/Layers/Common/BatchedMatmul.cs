using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// Batched matrix products through <c>bmm</c> instead of <c>matmul</c>: TorchSharp 0.107's <c>matmul</c>
/// lets any LibTorch error, a failed allocation included, escape as <c>std::terminate</c> and end the
/// process, while <c>bmm</c> reports it as an exception. The result is the one <c>matmul</c> computes for
/// operands of the same leading dimensions, which it also folds into a single <c>bmm</c>.
/// </summary>
public static class BatchedMatmul
{
    /// <summary>The product of (..., n, k) and (..., k, m) with the same leading dimensions: (..., n, m).</summary>
    public static Tensor Of(Tensor left, Tensor right)
    {
        if (left.dim() < 3 || left.dim() != right.dim() || !left.shape[..^2].SequenceEqual(right.shape[..^2]))
            throw new ArgumentException($"Expected two batches of matrices with the same leading dimensions, got [{string.Join(", ", left.shape)}] and [{string.Join(", ", right.shape)}].");
        using var scope = NewDisposeScope();
        var leading = left.shape[..^2];
        var batch = leading.Aggregate(1L, (product, size) => product * size);
        var (rows, inner, columns) = (left.shape[^2], left.shape[^1], right.shape[^1]);
        ModelGen.Models.Backbones.FlopCounter.Add(ModelGen.Models.Backbones.FlopKind.AttentionMatmul, batch * rows * inner * columns);
        var product = bmm(left.reshape(batch, rows, inner), right.reshape(batch, inner, columns));
        return product.view([.. leading, rows, columns]).MoveToOuterDisposeScope();
    }
}
