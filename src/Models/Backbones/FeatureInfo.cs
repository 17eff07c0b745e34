namespace ModelGen.Models.Backbones;

/// <summary>
/// One output of a backbone, as timm's <c>feature_info</c> describes it: its name, its number of
/// channels and how many input pixels one of its positions covers along each axis. The reduction
/// may be fractional: a patch-14 ViT whose tokens are upsampled 4x has a reduction of 3.5.
/// </summary>
public sealed record FeatureInfo(string Name, int Channels, double Reduction);
