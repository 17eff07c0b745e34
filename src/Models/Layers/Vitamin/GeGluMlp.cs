using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>GeGLU feed-forward: <c>w2(gelu(w0(x)) * w1(x))</c> with exact GELU. Parameters <c>w0</c>, <c>w1</c>, <c>w2</c>.</summary>
public sealed class GeGluMlp : ExplicitModule<Tensor, Tensor>
{
    public GeGluMlp(long embedDims, long feedforwardChannels) : base(nameof(GeGluMlp))
    {
        W0 = new LinearLayer(embedDims, feedforwardChannels);
        W1 = new LinearLayer(embedDims, feedforwardChannels);
        W2 = new LinearLayer(feedforwardChannels, embedDims);
        register_module("w0", W0);
        register_module("w1", W1);
        register_module("w2", W2);
    }

    public LinearLayer W0 { get; }

    public LinearLayer W1 { get; }

    public LinearLayer W2 { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var activated = NoGraphInPlace.Gelu(W0.call(x));
        var gated = NoGraphInPlace.Records(activated) ? activated * W1.call(x) : activated.mul_(W1.call(x));
        return W2.call(gated).MoveToOuterDisposeScope();
    }
}
