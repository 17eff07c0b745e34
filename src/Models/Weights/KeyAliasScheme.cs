namespace ModelGen.Models.Weights;

/// <summary>
/// A declarative, reversible renaming between a module's own state-dict names and another layout of the
/// same weights, such as OVSAM's wrapper modules (<c>layer1.0.*</c> for SAM's <c>blocks.0.*</c>). The
/// longest matching rule wins; a key no rule covers keeps its name. The same table loads files written
/// under the other names and saves under them.
/// </summary>
public sealed class KeyAliasScheme
{
    public KeyAliasScheme(string name, string description, IReadOnlyList<KeyAlias> rules)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Description = description;
        Rules = rules;
        var aliases = rules.Where(r => r.Alias is not null).Select(r => r.Alias!).ToList();
        if (aliases.Distinct(StringComparer.Ordinal).Count() != aliases.Count)
            throw new ArgumentException($"Alias scheme '{name}' maps two names onto the same alias, so it cannot be reversed.", nameof(rules));
    }

    /// <summary>The scheme's name as specs and callers give it, e.g. <c>ovsam</c>.</summary>
    public string Name { get; }

    /// <summary>The layout the scheme maps to, e.g. <c>OVSAM SAMBackbone (stem, layerN.M, out_proj)</c>.</summary>
    public string Description { get; }

    public IReadOnlyList<KeyAlias> Rules { get; }

    /// <summary>The name the other layout gives to the module's <paramref name="ownKey"/>; null when that layout has no such tensor.</summary>
    public string? ToAlias(string ownKey)
    {
        var rule = Longest(ownKey, r => r.Own);
        if (rule is null)
            return ownKey;
        return rule.Alias is null ? null : rule.Alias + ownKey[rule.Own.Length..];
    }

    /// <summary>The module's own name for a key of the other layout; null when the key is not a name of that layout.</summary>
    public string? FromAlias(string aliasKey)
    {
        var rule = Longest(aliasKey, r => r.Alias);
        if (rule is not null)
            return rule.Own + aliasKey[rule.Alias!.Length..];
        // Unrenamed keys keep their name, unless a rule renames that name: then the key belongs to the module's own layout, not this one.
        return Longest(aliasKey, r => r.Own) is null ? aliasKey : null;
    }

    public override string ToString() => $"{Name} ({Description})";

    private KeyAlias? Longest(string key, Func<KeyAlias, string?> side)
    {
        KeyAlias? best = null;
        foreach (var rule in Rules)
        {
            var name = side(rule);
            if (name is not null && KeyAlias.Covers(name, key) && (best is null || name.Length > side(best)!.Length))
                best = rule;
        }
        return best;
    }
}
