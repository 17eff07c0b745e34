using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// ViTamin's pre-norm transformer layer on an NHWC token map: global self-attention and a GeGLU
/// MLP, both residual. Parameters <c>ln1</c>, <c>attn</c>, <c>ln2</c>, <c>ffn</c>.
/// </summary>
public sealed class TransformerLayer : ExplicitModule<Tensor, Tensor>
{
    public TransformerLayer(long embedDims, long numHeads, long feedforwardChannels, double normEps) : base(nameof(TransformerLayer))
    {
        Ln1 = nn.LayerNorm(embedDims, eps: normEps);
        Attn = new MultiheadSelfAttention(embedDims, numHeads);
        Ln2 = nn.LayerNorm(embedDims, eps: normEps);
        Ffn = new GeGluMlp(embedDims, feedforwardChannels);
        register_module("ln1", Ln1);
        register_module("attn", Attn);
        register_module("ln2", Ln2);
        register_module("ffn", Ffn);
    }

    public LayerNorm Ln1 { get; }

    public MultiheadSelfAttention Attn { get; }

    public LayerNorm Ln2 { get; }

    public GeGluMlp Ffn { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var attended = x + Attn.call(Ln1.call(x));
        return (attended + Ffn.call(Ln2.call(attended))).MoveToOuterDisposeScope();
    }
}
