using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// Loads a weight file into a module's state dict: selects the module's keys by prefix, renames them
/// through an alias scheme, converts floating-point dtypes, and copies. Every key, shape and dtype is
/// checked and every tensor read before the first copy, so a failure leaves the module as it was.
/// </summary>
public static class WeightLoader
{
    /// <summary>Loads any supported file (safetensors, or a torch.save zip such as a .pth/.bin checkpoint).</summary>
    public static WeightLoadReport Load(nn.Module module, string path, CheckpointLayout? layout = null, string? prefix = null, string? aliasScheme = null, bool strict = true)
    {
        using var source = WeightFiles.Open(path);
        return Load(module, source, layout, prefix, aliasScheme, strict);
    }

    /// <param name="layout">The variant's known prefixes and alias schemes; none when null.</param>
    /// <param name="prefix">The prefix of the module's keys in the file (a DDP <c>module.</c> in front is found too); detected when null.</param>
    /// <param name="aliasScheme">The layout's scheme to read names through; detected when null (own names preferred).</param>
    /// <param name="strict">With true, missing keys and unexpected keys under the prefix are errors; a key that does not fit (shape, dtype kind) always is.</param>
    public static WeightLoadReport Load(nn.Module module, ITensorSource source, CheckpointLayout? layout = null, string? prefix = null, string? aliasScheme = null, bool strict = true)
    {
        var report = Check(module, source, layout, prefix, aliasScheme);
        if (report.Mismatched.Count > 0 || (strict && !report.IsComplete))
            throw new WeightLoadException(report with { Loaded = [], SourceKeys = new Dictionary<string, string>() });

        var targets = module.state_dict();
        using var scope = NewDisposeScope();
        var values = report.Loaded
            .Select(key => (Target: targets[key], Value: Converted(source.Read(report.SourceKeys[key]), targets[key].dtype)))
            .ToList();
        using (no_grad())
        {
            foreach (var (target, value) in values)
                target.copy_(value);
        }
        return report;
    }

    /// <summary>
    /// What <see cref="Load(nn.Module, ITensorSource, CheckpointLayout?, string?, string?, bool)"/> would do, without
    /// reading or copying any tensor: lets a caller that loads several modules from one file check them all first.
    /// </summary>
    public static WeightLoadReport Check(nn.Module module, ITensorSource source, CheckpointLayout? layout = null, string? prefix = null, string? aliasScheme = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        var targets = module.state_dict();
        var selection = KeySelection.Choose(source.Path, targets.Keys.ToList(), source.Tensors.Keys.ToList(), layout ?? CheckpointLayout.None, prefix, aliasScheme);

        var mismatched = new List<string>();
        var conversions = new List<DTypeConversion>();
        foreach (var (ownKey, fileKey) in selection.FileKeyByOwnKey)
        {
            var target = targets[ownKey];
            var stored = source.Tensors[fileKey];
            if (!stored.Shape.SequenceEqual(target.shape))
                mismatched.Add($"{ownKey} (module [{string.Join(", ", target.shape)}], file [{string.Join(", ", stored.Shape)}])");
            else if (stored.DType != target.dtype)
            {
                if (is_floating_point(stored.DType) && is_floating_point(target.dtype))
                    conversions.Add(new DTypeConversion(ownKey, stored.DType, target.dtype));
                else
                    mismatched.Add($"{ownKey} (module {target.dtype}, file {stored.DType})");
            }
        }

        return new WeightLoadReport
        {
            File = source.Path,
            Format = source.Format,
            Prefix = selection.Prefix,
            PrefixDetected = selection.Detected,
            AliasScheme = selection.Scheme?.Name,
            Loaded = mismatched.Count == 0 ? targets.Keys.Where(selection.FileKeyByOwnKey.ContainsKey).ToList() : [],
            SourceKeys = mismatched.Count == 0 ? selection.FileKeyByOwnKey : new Dictionary<string, string>(),
            Missing = selection.Missing,
            Unexpected = selection.Unexpected,
            Ignored = selection.Ignored,
            NotInLayout = selection.NotInLayout,
            Mismatched = mismatched,
            Conversions = conversions,
        };
    }

    private static Tensor Converted(Tensor value, ScalarType dtype) => value.dtype == dtype ? value : value.to_type(dtype);
}
