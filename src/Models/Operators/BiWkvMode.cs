namespace ModelGen.Models.Operators;

/// <summary>Which evaluation of the Bi-WKV operator <see cref="BiWkv.Apply"/> performs.</summary>
public enum BiWkvMode
{
    /// <summary>The documented formula, computed exactly (differentiable).</summary>
    Formula,

    /// <summary>
    /// The arithmetic of the upstream CUDA kernel (32 token chunks whose running sums mix two decay conventions,
    /// 1e-6 added to the denominator), for matching outputs of models run with that kernel. Forward only.
    /// </summary>
    UpstreamKernel,
}
