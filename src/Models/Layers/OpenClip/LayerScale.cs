using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>open_clip's per-channel residual scale: parameter <c>gamma</c>, initialised to <c>initValue</c>.</summary>
public sealed class LayerScale : ExplicitModule<Tensor, Tensor>
{
    public LayerScale(long dim, double initValue) : base(nameof(LayerScale))
    {
        using var init = initValue.ToScalar();
        register_parameter("gamma", new Parameter(full(dim, init)));
    }

    public Parameter Gamma => get_parameter("gamma")!;

    public override Tensor forward(Tensor x) => x * Gamma;
}
