using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// The last backbone output, unchanged: the teacher's neck in OVSAM and RWKV-SAM distillation
/// (<c>LastLayerNeck</c>, <c>seg/models/necks/last_layer.py</c> and <c>projects/rwkvsam/models/necks/last_layer.py</c>).
/// No parameters.
/// </summary>
public sealed class LastLayerNeck : NeckModule
{
    private static readonly NeckInput[] LastOutput = [new NeckInput(^1, Channels: null, Reduction: null)];

    public LastLayerNeck() : base(nameof(LastLayerNeck))
    {
    }

    public override IReadOnlyList<NeckInput> Inputs => LastOutput;

    /// <summary>A new handle on the last output's data (an alias), so that the caller owns it independently of the backbone output.</summary>
    public override Tensor forward(IReadOnlyList<Tensor> features)
    {
        RequireInputs(features);
        return features[^1].alias();
    }

    protected override FeatureInfo Describe(IReadOnlyList<FeatureInfo> backboneFeatures) => backboneFeatures[^1];
}
