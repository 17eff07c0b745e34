namespace ModelGen.Models.Weights;

/// <summary>
/// What a variant knows of the checkpoints its weights come in, as its spec declares it: the key prefixes
/// published files put its tensors under (<c>image_encoder.</c> in SAM's files, <c>visual.</c> in
/// open_clip's), and the alias schemes that map other layouts of the same weights onto its own names.
/// </summary>
public sealed class CheckpointLayout
{
    public CheckpointLayout(IReadOnlyList<string> knownPrefixes, IReadOnlyList<KeyAliasScheme> aliasSchemes)
    {
        KnownPrefixes = knownPrefixes.Select(WeightKeys.NormalizePrefix).ToArray();
        AliasSchemes = aliasSchemes;
        if (aliasSchemes.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != aliasSchemes.Count)
            throw new ArgumentException("Two alias schemes have the same name.", nameof(aliasSchemes));
    }

    /// <summary>A layout with no known prefixes and no alias schemes: keys must be the module's own names.</summary>
    public static CheckpointLayout None { get; } = new([], []);

    public IReadOnlyList<string> KnownPrefixes { get; }

    public IReadOnlyList<KeyAliasScheme> AliasSchemes { get; }

    /// <summary>The scheme named <paramref name="name"/>; a clear error naming the known ones otherwise.</summary>
    public KeyAliasScheme Scheme(string name) =>
        AliasSchemes.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException(AliasSchemes.Count == 0
            ? $"No alias scheme named '{name}': this variant's weights use its own names only."
            : $"No alias scheme named '{name}'; this variant knows {string.Join(", ", AliasSchemes.Select(s => $"'{s.Name}'"))}.", nameof(name));
}
