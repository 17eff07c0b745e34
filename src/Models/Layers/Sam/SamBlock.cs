using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// One SAM ViT block on NHWC tokens: pre-norm attention (windowed when <c>windowSize</c> &gt; 0,
/// global otherwise) and a pre-norm MLP, both residual. Parameters <c>norm1</c>, <c>attn</c>, <c>norm2</c>, <c>mlp</c>.
/// </summary>
public sealed class SamBlock : ExplicitModule<Tensor, Tensor>
{
    /// <param name="windowSize">The attention window side; 0 for global attention.</param>
    /// <param name="relPosSize">The grid side the relative position tables are sized for: the window, or the token grid for a global block.</param>
    public SamBlock(long dim, long numHeads, long mlpDim, bool qkvBias, bool useRelPos, double normEps, long windowSize, long relPosSize)
        : this(dim, numHeads, mlpDim, qkvBias, useRelPos, normEps, windowSize, (relPosSize, relPosSize))
    {
    }

    /// <param name="windowSize">The attention window side; 0 for global attention.</param>
    /// <param name="relPosSize">The grid the relative position tables are sized for: the window, or the (possibly non-square) token grid for a global block.</param>
    public SamBlock(long dim, long numHeads, long mlpDim, bool qkvBias, bool useRelPos, double normEps, long windowSize, (long Height, long Width) relPosSize)
        : base(nameof(SamBlock))
    {
        WindowSize = windowSize;
        Norm1 = nn.LayerNorm(dim, eps: normEps);
        Attn = new SamAttention(dim, numHeads, qkvBias, useRelPos, relPosSize);
        Norm2 = nn.LayerNorm(dim, eps: normEps);
        Mlp = new SamMlp(dim, mlpDim);
        register_module("norm1", Norm1);
        register_module("attn", Attn);
        register_module("norm2", Norm2);
        register_module("mlp", Mlp);
    }

    public long WindowSize { get; }

    public LayerNorm Norm1 { get; }

    public SamAttention Attn { get; }

    public LayerNorm Norm2 { get; }

    public SamMlp Mlp { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normed = Norm1.call(x);
        Tensor attended;
        if (WindowSize > 0)
        {
            var (height, width) = (normed.shape[1], normed.shape[2]);
            var (windows, paddedHeight, paddedWidth) = WindowPartition.Partition(normed, WindowSize);
            attended = WindowPartition.Unpartition(Attn.call(windows), WindowSize, paddedHeight, paddedWidth, height, width);
        }
        else
        {
            attended = Attn.call(normed);
        }

        var residual = x + attended;
        var output = residual + Mlp.call(Norm2.call(residual));
        return output.MoveToOuterDisposeScope();
    }
}
