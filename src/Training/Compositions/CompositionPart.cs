using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Training.Compositions;

/// <summary>A built part of a composition: what the spec declares of it, the module, and the layout its checkpoints use.</summary>
/// <param name="Role">Which part it is (one flag).</param>
/// <param name="Layout">A backbone's <see cref="Models.Backbones.BackboneModule.CheckpointLayout"/>; <see cref="CheckpointLayout.None"/> for a neck.</param>
public sealed record CompositionPart(CompositionParts Role, DistillationPart Declaration, nn.Module Module, CheckpointLayout Layout)
{
    /// <summary>The detector's prefix of the part's keys, e.g. <c>backbone_student.</c>.</summary>
    public string Prefix => WeightKeys.NormalizePrefix(Declaration.Prefix);

    /// <summary>The part's keys under the detector's names: the module's state-dict names through the part's alias scheme, with the prefix; a key the scheme's layout lacks is left out.</summary>
    public IReadOnlyDictionary<string, Tensor> DetectorState()
    {
        var scheme = Declaration.AliasScheme is { } name ? Layout.Scheme(name) : null;
        var named = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in Module.state_dict())
            if ((scheme is null ? key : scheme.ToAlias(key)) is { } alias)
                named[Prefix + alias] = tensor;
        return named;
    }
}
