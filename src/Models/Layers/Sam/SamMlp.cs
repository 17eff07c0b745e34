using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>SAM's MLP block: <c>lin1</c>, exact GELU, <c>lin2</c>.</summary>
public sealed class SamMlp : ExplicitModule<Tensor, Tensor>
{
    public SamMlp(long embeddingDim, long mlpDim) : base(nameof(SamMlp))
    {
        Lin1 = new LinearLayer(embeddingDim, mlpDim);
        Lin2 = new LinearLayer(mlpDim, embeddingDim);
        register_module("lin1", Lin1);
        register_module("lin2", Lin2);
    }

    public LinearLayer Lin1 { get; }

    public LinearLayer Lin2 { get; }

    public override Tensor forward(Tensor x)
    {
        using var hidden = Lin1.call(x);
        using var activated = NoGraphInPlace.Gelu(hidden);
        return Lin2.call(activated);
    }
}
