using ModelGen.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// RWKV-SAM's student neck (<c>LastLayerProjNeck</c>, <c>projects/rwkvsam/models/necks/last_layer.py</c>):
/// the SAM-style projection <c>out_proj</c> of the last backbone output, then, when
/// <see cref="ScaleFactor"/> is not 1, a bilinear resize by that factor (align_corners false; the
/// output side is the input side times the factor, rounded down).
/// </summary>
public sealed class LastLayerProjNeck : NeckModule
{
    private readonly NeckInput[] _inputs;

    public LastLayerProjNeck(int inChannels, int outChannels, double scaleFactor = 1) : base(nameof(LastLayerProjNeck))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        if (!(scaleFactor > 0) || double.IsInfinity(scaleFactor))
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor, "The scale factor must be positive and finite.");
        InChannels = inChannels;
        OutChannels = outChannels;
        ScaleFactor = scaleFactor;
        _inputs = [new NeckInput(^1, inChannels, Reduction: null)];
        OutProj = SamProjection.Create(inChannels, outChannels);
        register_module("out_proj", OutProj);
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public double ScaleFactor { get; }

    public Sequential OutProj { get; }

    public override IReadOnlyList<NeckInput> Inputs => _inputs;

    public override Tensor forward(IReadOnlyList<Tensor> features)
    {
        RequireInputs(features);
        using var scope = NewDisposeScope();
        var projected = OutProj.call(features[^1]);
        if (ScaleFactor != 1)
            projected = nn.functional.interpolate(projected, scale_factor: [ScaleFactor, ScaleFactor], mode: InterpolationMode.Bilinear, align_corners: false);
        return projected.MoveToOuterDisposeScope();
    }

    protected override FeatureInfo Describe(IReadOnlyList<FeatureInfo> backboneFeatures) =>
        new("out_proj", OutChannels, backboneFeatures[^1].Reduction / ScaleFactor);
}
