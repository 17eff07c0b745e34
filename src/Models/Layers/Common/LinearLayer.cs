using ModelGen.Models.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// A linear layer, <c>y = x · weightᵀ + bias</c> over the last axis, as <c>torch.nn.Linear</c>: parameters
/// <c>weight</c> (out, in) and <c>bias</c> (out), initialised as PyTorch does (Kaiming-uniform weight with a = √5, bias
/// uniform in ±1/√in). Its product runs on the kernel <see cref="LinearKernels"/> chooses.
/// </summary>
public sealed class LinearLayer : ExplicitModule<Tensor, Tensor>
{
    public LinearLayer(long inFeatures, long outFeatures, bool hasBias = true) : base(nameof(LinearLayer))
    {
        var weight = empty(outFeatures, inFeatures);
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        register_parameter("weight", new Parameter(weight));
        if (hasBias)
        {
            var bound = 1 / Math.Sqrt(inFeatures);
            register_parameter("bias", new Parameter(empty(outFeatures).uniform_(-bound, bound)));
        }
    }

    public Parameter Weight => get_parameter("weight")!;

    /// <summary>The bias, or null for a layer without one.</summary>
    public Parameter? Bias => get_parameter("bias");

    public override Tensor forward(Tensor x) => LinearKernels.Linear(x, Weight, Bias);
}
