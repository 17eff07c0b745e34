using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.OpenClip;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace ModelGen.Training.Optim;

/// <summary>Which modules mmengine counts as normalisation layers.</summary>
public static class NormLayers
{
    /// <summary>
    /// mmengine's <c>isinstance(module, (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm))</c>, with
    /// <c>torch.nn.LayerNorm</c> subclasses included: open_clip's LayerNorm (<see cref="ClipLayerNorm"/>) and timm's
    /// LayerNorm2d (<see cref="LayerNorm2d.IsTorchLayerNorm"/>), but not segment-anything's LayerNorm2d, a plain module.
    /// </summary>
    public static bool IsNormLayer(nn.Module module) => module switch
    {
        BatchNorm or InstanceNorm or GroupNorm or LayerNorm or ClipLayerNorm => true,
        LayerNorm2d norm => norm.IsTorchLayerNorm,
        _ => false,
    };
}
