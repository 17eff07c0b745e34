namespace ModelGen.Models.Backbones;

/// <summary>
/// Each family's input-size rule, from the spec values its config carries; the rules are those of the
/// generated forwards (their entrance checks and strided steps), which the family tests hold them to.
/// </summary>
internal static class InputSizeRules
{
    /// <summary>OpenCLIP ResNet: the stem's stride-2 conv rounds up, the pools floor; below 31 px layer4 is empty.</summary>
    public const int ResNetMinimumSide = 31;

    public static InputSizeRule For(IModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        switch (config.Family)
        {
            case "sam-vit":
            {
                var (patch, side) = (Int(config, "PatchSize"), Int(config, "ImageSize"));
                return new(patch, patch, side, side, $"other sides are floored to a multiple of {patch} by the patch embedding; token grids other than {side / patch}x{side / patch} resample the position embedding");
            }
            case "openclip-vit":
            {
                var (patch, side) = (Int(config, "PatchSize"), Int(config, "ImageSize"));
                return new(2 * patch, patch, side, side, $"other sides are floored to a multiple of {patch} by the patch embedding; at least two patches a side, so that the half-size output is not empty");
            }
            case "openclip-resnet":
            {
                var side = Int(config, "ImageSize");
                return new(ResNetMinimumSide, 1, side, side, "every side is used; strided steps floor, so only multiples of 32 map onto the outputs exactly");
            }
            case "vitamin":
            {
                var sides = config.GetType().GetProperty("ImageSize")?.GetValue(config) as IReadOnlyList<int>
                    ?? throw Missing(config, "ImageSize");
                return new(1, 1, sides[0], sides[^1], "every side is used; stride-2 steps pad, so the token grid is the side divided by 16, rounded up");
            }
            default:
                throw new NotSupportedException($"{config.Name}: no input-size rule is known for family '{config.Family}'.");
        }
    }

    private static int Int(IModelConfig config, string property) =>
        config.GetType().GetProperty(property)?.GetValue(config) as int? ?? throw Missing(config, property);

    private static InvalidOperationException Missing(IModelConfig config, string property) =>
        new($"{config.Name}'s config (family '{config.Family}') has no {property}.");
}
