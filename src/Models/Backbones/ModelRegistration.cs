namespace ModelGen.Models.Backbones;

/// <summary>What the registry knows of a variant without building it.</summary>
public sealed record ModelRegistration(
    Type BackboneType,
    IModelConfig Config,
    IReadOnlyList<FeatureInfo> FeatureInfo,
    Func<IBackbone> Factory)
{
    /// <summary>The class name, e.g. <c>SamVitB</c>.</summary>
    public string Name => BackboneType.Name;

    /// <summary>The namespace-qualified class name, e.g. <c>ModelGen.Models.Sam.SamVitB</c>.</summary>
    public string FullName => BackboneType.FullName ?? BackboneType.Name;
}
