namespace ModelGen.Models.Backbones;

/// <summary>What the registry knows of a variant without building it.</summary>
public sealed record ModelRegistration(
    string Name,
    IModelConfig Config,
    IReadOnlyList<FeatureInfo> FeatureInfo,
    Func<IBackbone> Factory);
