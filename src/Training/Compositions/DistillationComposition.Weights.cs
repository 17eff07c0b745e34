using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Training.Compositions;

public abstract partial class DistillationComposition
{
    private static readonly string[] TorchExtensions = [".pth", ".pt"];

    /// <inheritdoc cref="LoadWeights(ITensorSource, bool, CompositionParts)"/>
    /// <param name="path">Safetensors, or a torch.save checkpoint such as an OVSAM / RWKV-SAM mmengine training checkpoint (its <c>state_dict</c> is read).</param>
    public CompositionLoadReport LoadWeights(string path, bool strict = true, CompositionParts parts = CompositionParts.All)
    {
        using var source = WeightFiles.Open(path);
        return LoadWeights(source, strict, parts);
    }

    /// <summary>
    /// Loads a file under the detector's names (<c>backbone_teacher.*</c>, <c>neck_student.*</c>, ...) into the built parts
    /// among <paramref name="parts"/>, each by its prefix and through its alias scheme. Parts without state (e.g.
    /// <c>LastLayerNeck</c>) are skipped. Every part is checked before any tensor is copied: with
    /// <paramref name="strict"/>, a part the file holds nothing of, or holds incompletely, fails the whole load; without
    /// it, an absent part is reported and left alone. A tensor of another shape always fails.
    /// </summary>
    /// <exception cref="CompositionWeightsException">The file does not fit; nothing was loaded.</exception>
    public CompositionLoadReport LoadWeights(ITensorSource source, bool strict = true, CompositionParts parts = CompositionParts.All)
    {
        ArgumentNullException.ThrowIfNull(source);
        var absent = new List<CompositionParts>();
        var plans = new List<(CompositionPart Part, string Prefix)>();
        var problems = new List<string>();
        foreach (var part in Parts.Where(p => parts.HasFlag(p.Role) && p.Module.state_dict().Count > 0))
        {
            var prefix = PrefixIn(source, part.Prefix);
            if (prefix is null)
            {
                absent.Add(part.Role);
                continue;
            }
            var check = WeightLoader.Check(part.Module, source, part.Layout, prefix, part.Declaration.AliasScheme);
            if (check.Mismatched.Count > 0 || (strict && !check.IsComplete))
                problems.Add($"{part.Role} ({part.Declaration.Type.Name} under '{prefix}'): {Problems(check)}");
            plans.Add((part, prefix));
        }
        if (strict && absent.Count > 0)
            problems.Insert(0, $"it holds nothing of {string.Join(", ", absent.Select(a => $"{a} (no key starts with '{Parts.First(p => p.Role == a).Prefix}')"))}");
        if (problems.Count > 0)
            throw new CompositionWeightsException(source.Path, $"does not fit {Name}, so nothing was loaded: {string.Join("; ", problems)}.");

        var reports = new Dictionary<CompositionParts, WeightLoadReport>();
        foreach (var (part, prefix) in plans)
            reports[part.Role] = WeightLoader.Load(part.Module, source, part.Layout, prefix, part.Declaration.AliasScheme, strict);
        return new CompositionLoadReport(source.Path, reports, absent);
    }

    /// <summary>
    /// Writes the built parts among <paramref name="parts"/> as one file, atomically, under the detector's names (each
    /// part's prefix, its keys through its alias scheme), so upstream's detector can <c>load_state_dict</c> it
    /// (non-strictly, for the parts left out). By default the student and its neck: what training produces. A path ending
    /// in <c>.pth</c> or <c>.pt</c> is written as <c>torch.save({'state_dict': ...})</c>, which mmengine's
    /// <c>init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)</c> loads; any other as safetensors.
    /// </summary>
    /// <exception cref="InvalidOperationException">A part asked for was not built (the teacher of a composition built without it).</exception>
    public void SaveWeights(string path, CompositionParts parts = CompositionParts.Students)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var missing = Enum.GetValues<CompositionParts>()
            .Where(r => r is CompositionParts.Teacher or CompositionParts.TeacherNeck && parts.HasFlag(r) && Parts.All(p => p.Role != r))
            .ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"{Name} was built without {string.Join(" and ", missing)}; it cannot save them.");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var part in Parts.Where(p => parts.HasFlag(p.Role)))
            foreach (var (key, tensor) in part.DetectorState())
                tensors[key] = tensor;
        if (TorchExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
        {
            TorchCheckpointWriter.Write(path, tensors);
            return;
        }
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["modelgen.composition"] = Name, ["modelgen.parts"] = parts.ToString() };
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>The prefix the file holds the part under: the part's own, or it behind DistributedDataParallel's <c>module.</c>; null when neither.</summary>
    private static string? PrefixIn(ITensorSource source, string prefix)
    {
        if (source.Tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            return prefix;
        var wrapped = WeightKeys.DataParallelPrefix + prefix;
        return source.Tensors.Keys.Any(k => k.StartsWith(wrapped, StringComparison.Ordinal)) ? wrapped : null;
    }

    private static string Problems(WeightLoadReport report)
    {
        var problems = new List<string>();
        if (report.Missing.Count > 0) problems.Add($"{report.Missing.Count} missing ({string.Join(", ", report.Missing.Take(5))})");
        if (report.Unexpected.Count > 0) problems.Add($"{report.Unexpected.Count} unexpected ({string.Join(", ", report.Unexpected.Take(5))})");
        if (report.Mismatched.Count > 0) problems.Add($"{report.Mismatched.Count} mismatched ({string.Join(", ", report.Mismatched.Take(5))})");
        return string.Join(", ", problems);
    }
}
