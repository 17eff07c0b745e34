namespace ModelGen.Models.Weights;

/// <summary>
/// One renaming rule of a <see cref="KeyAliasScheme"/>: the module's own name (a whole key, or a prefix
/// ending in '.') and the name the other layout uses for it. A null <see cref="Alias"/> says the other
/// layout has no such tensor (e.g. OVSAM's OpenCLIP ViT wrapper drops <c>proj</c>).
/// </summary>
public sealed record KeyAlias(string Own, string? Alias)
{
    /// <summary>Whether the rule covers <paramref name="key"/>: the key equals the rule's name, or the name is a prefix ending in '.'.</summary>
    internal static bool Covers(string name, string key) =>
        name.EndsWith('.') ? key.StartsWith(name, StringComparison.Ordinal) : key == name;
}
