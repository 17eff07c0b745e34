using ModelGen.Models.Pretrained;

namespace ModelGen.Models.Backbones;

/// <summary>What the registry knows of a variant without building it.</summary>
/// <param name="Factory">Builds the variant; the argument is its constructor's <c>fix</c> (the spec's when null).</param>
public sealed record ModelRegistration(
    Type BackboneType,
    IModelConfig Config,
    IReadOnlyList<FeatureInfo> FeatureInfo,
    IReadOnlyDictionary<string, PretrainedSource> Pretrained,
    Func<bool?, IBackbone> Factory)
{
    /// <summary>The image sizes the variant's forward uses whole, and its native size (from its spec, without building it).</summary>
    public InputSizeRule InputSizes => InputSizeRules.For(Config);

    /// <summary>The multiply-accumulates of a forward of one image, at the native size when no size is given, counted on the meta device (see <see cref="FlopCounter"/>).</summary>
    public FlopCount CountFlops(int? height = null, int? width = null) => FlopCounter.Count(this, height, width);

    /// <summary>The class name, e.g. <c>SamVitB</c>.</summary>
    public string Name => BackboneType.Name;

    /// <summary>The namespace-qualified class name, e.g. <c>ModelGen.Models.Sam.SamVitB</c>.</summary>
    public string FullName => BackboneType.FullName ?? BackboneType.Name;
}
