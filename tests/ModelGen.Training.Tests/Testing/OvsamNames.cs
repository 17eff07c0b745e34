using System.Text.RegularExpressions;

namespace ModelGen.Training.Tests.Testing;

/// <summary>
/// The state-dict names of OVSAM's backbone wrappers, mapped to the upstream module names the generated
/// backbones use. A stand-in until the library's own alias scheme exists.
/// </summary>
internal static partial class OvsamNames
{
    /// <summary>
    /// SAMBackbone over ImageEncoderViT: <c>stem.*</c> = <c>patch_embed.*</c>, <c>layerN.M.*</c> = <c>blocks.K.*</c>
    /// (the blocks cut into consecutive groups, each ending at a global-attention index), <c>out_proj.*</c> = <c>neck.*</c>.
    /// </summary>
    public static Func<string, string> SamBackbone(IReadOnlyList<int> globalAttnIndexes) => name =>
    {
        if (name.StartsWith("stem.", StringComparison.Ordinal))
            return "patch_embed." + name["stem.".Length..];
        if (name.StartsWith("out_proj.", StringComparison.Ordinal))
            return "neck." + name["out_proj.".Length..];
        var layer = SamLayer().Match(name);
        if (!layer.Success)
            return name;
        var group = int.Parse(layer.Groups[1].Value);
        var first = group == 1 ? 0 : globalAttnIndexes[group - 2] + 1;
        return $"blocks.{first + int.Parse(layer.Groups[2].Value)}.{layer.Groups[3].Value}";
    };

    /// <summary>
    /// OpenCLIPBackbone over ModifiedResNet: <c>stem.0/1/3/4/6/7</c> = conv1, bn1, conv2, bn2, conv3, bn3; <c>head</c> = attnpool.
    /// Maps parameter and module names alike.
    /// </summary>
    public static string OpenClipResNet(string name)
    {
        var stem = ClipStem().Match(name);
        if (stem.Success)
        {
            var module = stem.Groups[1].Value switch
            {
                "0" => "conv1", "1" => "bn1", "3" => "conv2", "4" => "bn2", "6" => "conv3", "7" => "bn3",
                var other => throw new ArgumentException($"OpenCLIPBackbone has no stem.{other}.", nameof(name)),
            };
            return module + stem.Groups[2].Value;
        }
        return name == "head" || name.StartsWith("head.", StringComparison.Ordinal) ? "attnpool" + name["head".Length..] : name;
    }

    [GeneratedRegex(@"^layer(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex SamLayer();

    [GeneratedRegex(@"^stem\.(\d+)(\..+)?$")]
    private static partial Regex ClipStem();
}
