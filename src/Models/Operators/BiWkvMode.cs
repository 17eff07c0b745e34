namespace ModelGen.Models.Operators;

/// <summary>Which evaluation of the Bi-WKV operator <see cref="BiWkv.Apply"/> performs.</summary>
public enum BiWkvMode
{
    /// <summary>
    /// The documented formula, computed exactly (differentiable): by the CPU kernels on the CPU, and as
    /// <see cref="TensorOps"/> on any other device.
    /// </summary>
    Formula,

    /// <summary>
    /// The arithmetic of the upstream CUDA kernel (32 token chunks whose running sums mix two decay conventions,
    /// 1e-6 added to the denominator), for matching outputs of models run with that kernel. Forward only; computed
    /// on the CPU, so tensors on another device are copied there and back.
    /// </summary>
    UpstreamKernel,

    /// <summary>
    /// The documented formula from LibTorch tensor operations only (softmaxes within chunks of at most 64 tokens and
    /// between the chunks), differentiated by autograd: what <see cref="Formula"/> runs off the CPU, and on the CPU on
    /// request. It does some L times the work of the CPU kernels for chunks of L tokens (L ≈ ∛(2T)) and holds
    /// tensors of B·C·T·(L + 2) elements, which the backward keeps.
    /// </summary>
    TensorOps,
}
