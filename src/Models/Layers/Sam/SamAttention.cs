using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>
/// SAM's multi-head self-attention over an NHWC token map with optional decomposed relative
/// positions: parameters <c>qkv</c>, <c>proj</c>, <c>rel_pos_h</c>, <c>rel_pos_w</c>.
/// </summary>
public sealed class SamAttention : ExplicitModule<Tensor, Tensor>
{
    private readonly long _numHeads;
    private readonly double _scale;

    /// <param name="relPosSize">The token grid side the relative position tables are sized for (the window, or the whole grid for global attention).</param>
    public SamAttention(long dim, long numHeads, bool qkvBias, bool useRelPos, long relPosSize)
        : this(dim, numHeads, qkvBias, useRelPos, (relPosSize, relPosSize))
    {
    }

    /// <param name="relPosSize">The token grid the relative position tables are sized for: <c>rel_pos_h</c> covers its height, <c>rel_pos_w</c> its width.</param>
    public SamAttention(long dim, long numHeads, bool qkvBias, bool useRelPos, (long Height, long Width) relPosSize) : base(nameof(SamAttention))
    {
        _numHeads = numHeads;
        var headDim = dim / numHeads;
        _scale = Math.Pow(headDim, -0.5);
        Qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        Proj = nn.Linear(dim, dim);
        register_module("qkv", Qkv);
        register_module("proj", Proj);
        if (useRelPos)
        {
            register_parameter("rel_pos_h", new Parameter(zeros(2 * relPosSize.Height - 1, headDim)));
            register_parameter("rel_pos_w", new Parameter(zeros(2 * relPosSize.Width - 1, headDim)));
        }
    }

    public Linear Qkv { get; }

    public Linear Proj { get; }

    public Parameter? RelPosH => get_parameter("rel_pos_h");

    public Parameter? RelPosW => get_parameter("rel_pos_w");

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Sizes spelled out rather than -1, which an empty batch leaves undetermined.
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (tokens, headDim) = (height * width, channels / _numHeads);
        var qkv = Qkv.call(x)
            .reshape(batch, tokens, 3, _numHeads, headDim)
            .permute(2, 0, 3, 1, 4)
            .reshape(3, batch * _numHeads, tokens, headDim);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);

        var attention = BatchedMatmul.Of(q * _scale, k.transpose(-2, -1));
        if (RelPosH is { } relPosH && RelPosW is { } relPosW)
            attention = RelativePosition.AddDecomposed(attention, q, relPosH, relPosW, (height, width), (height, width));
        attention = attention.softmax(-1);

        var output = BatchedMatmul.Of(attention, v)
            .view(batch, _numHeads, height, width, headDim)
            .permute(0, 2, 3, 1, 4)
            .reshape(batch, height, width, channels);
        return Proj.call(output).MoveToOuterDisposeScope();
    }
}
