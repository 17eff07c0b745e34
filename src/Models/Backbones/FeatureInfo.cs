namespace ModelGen.Models.Backbones;

/// <summary>
/// One output of a backbone, as timm's <c>feature_info</c> describes it: its name, its number of
/// channels and how many input pixels one of its positions covers along each axis.
/// </summary>
public sealed record FeatureInfo(string Name, int Channels, int Reduction);
