using System.Text;

namespace ModelGen.Models.Weights;

/// <summary>
/// What a load did, or would have done: which file and layout, the prefix and alias scheme used (and
/// whether they were detected), and every key by outcome. Strict loads throw when <see cref="Missing"/>,
/// <see cref="Unexpected"/> or <see cref="Mismatched"/> are not empty; non-strict loads return it.
/// </summary>
public sealed record WeightLoadReport
{
    public required string File { get; init; }

    public required string Format { get; init; }

    /// <summary>The prefix the module's keys were taken from (empty: none), DDP's <c>module.</c> included when the file had it.</summary>
    public required string Prefix { get; init; }

    /// <summary>Whether the prefix was detected from the file rather than given.</summary>
    public required bool PrefixDetected { get; init; }

    /// <summary>The alias scheme the file's names were read through; null when they are the module's own names.</summary>
    public required string? AliasScheme { get; init; }

    /// <summary>Module keys that received a value.</summary>
    public required IReadOnlyList<string> Loaded { get; init; }

    /// <summary>The file key each loaded module key was read from (prefix and alias names included).</summary>
    public required IReadOnlyDictionary<string, string> SourceKeys { get; init; }

    /// <summary>Module keys the file lacks.</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    /// <summary>File keys under the prefix that are not names of the module (under the alias scheme).</summary>
    public required IReadOnlyList<string> Unexpected { get; init; }

    /// <summary>File keys outside the prefix, left alone (e.g. SAM's prompt encoder, open_clip's text tower, an optimizer's state).</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>Module keys the alias scheme's layout does not have (e.g. <c>proj</c> under OVSAM's ViT names): left unchanged, not missing.</summary>
    public required IReadOnlyList<string> NotInLayout { get; init; }

    /// <summary>Keys present on both sides that cannot be loaded: a different shape, or a dtype of another kind (integer vs floating point).</summary>
    public required IReadOnlyList<string> Mismatched { get; init; }

    public required IReadOnlyList<DTypeConversion> Conversions { get; init; }

    /// <summary>Whether a strict load accepts this report.</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append($"{File} ({Format}): {Loaded.Count} tensors loaded");
        text.Append(Prefix.Length == 0 ? ", no prefix" : $", prefix '{Prefix}'{(PrefixDetected ? " (detected)" : "")}");
        text.Append(AliasScheme is null ? ", own names" : $", names read through alias scheme '{AliasScheme}'");
        if (Ignored.Count > 0) text.Append($"; {Ignored.Count} keys outside the prefix ignored");
        if (NotInLayout.Count > 0) text.Append($"; {NotInLayout.Count} kept (not in that layout: {Join(NotInLayout)})");
        foreach (var group in Conversions.GroupBy(c => (c.From, c.To)))
            text.Append($"; {group.Count()} converted from {group.Key.From} to {group.Key.To}");
        if (Missing.Count > 0) text.Append($"; {Missing.Count} missing: {Join(Missing)}");
        if (Unexpected.Count > 0) text.Append($"; {Unexpected.Count} unexpected: {Join(Unexpected)}");
        if (Mismatched.Count > 0) text.Append($"; {Mismatched.Count} mismatched: {Join(Mismatched)}");
        return text.Append('.').ToString();
    }

    internal static string Join(IReadOnlyList<string> keys, int max = 20) =>
        string.Join(", ", keys.Take(max)) + (keys.Count > max ? $", ... ({keys.Count - max} more)" : "");
}
