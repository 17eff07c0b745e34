namespace ModelGen.Models.Weights;

/// <summary>
/// Which of a file's keys are a module's, under which name: the prefix they sit under and the alias
/// scheme that names them. Given neither, every prefix of the file's keys (up to a few segments) and
/// every scheme of the variant's layout are scored by how many of the module's keys they supply, and
/// the best complete match wins.
/// </summary>
internal sealed class KeySelection
{
    private const int MaxPrefixSegments = 3;

    private KeySelection(string prefix, bool detected, KeyAliasScheme? scheme, IReadOnlyDictionary<string, string> fileKeyByOwnKey, List<string> unexpected, List<string> ignored, List<string> notInLayout, List<string> missing)
    {
        Prefix = prefix;
        Detected = detected;
        Scheme = scheme;
        FileKeyByOwnKey = fileKeyByOwnKey;
        Unexpected = unexpected;
        Ignored = ignored;
        NotInLayout = notInLayout;
        Missing = missing;
    }

    public string Prefix { get; }

    public bool Detected { get; }

    public KeyAliasScheme? Scheme { get; }

    /// <summary>The file key that supplies each module key found.</summary>
    public IReadOnlyDictionary<string, string> FileKeyByOwnKey { get; }

    public List<string> Unexpected { get; }

    public List<string> Ignored { get; }

    public List<string> NotInLayout { get; }

    public List<string> Missing { get; }

    public static KeySelection Choose(string file, IReadOnlyList<string> moduleKeys, IReadOnlyList<string> fileKeys, CheckpointLayout layout, string? prefix, string? aliasScheme)
    {
        var schemes = aliasScheme is null
            ? new KeyAliasScheme?[] { null }.Concat(layout.AliasSchemes).ToList()
            : [layout.Scheme(aliasScheme)];
        var prefixes = prefix is null ? CandidatePrefixes(fileKeys) : GivenPrefix(file, fileKeys, WeightKeys.NormalizePrefix(prefix));
        var own = new HashSet<string>(moduleKeys, StringComparer.Ordinal);

        var candidates = prefixes
            .SelectMany(p => schemes.Select(s => Score(p, s, own, moduleKeys, fileKeys, layout)))
            .OrderByDescending(c => c.Complete)
            .ThenByDescending(c => c.Matched)
            .ThenByDescending(c => c.KnownPrefix)
            .ThenBy(c => c.Scheme is null ? 0 : 1)
            .ThenBy(c => c.Prefix.Length)
            .ToList();
        var best = candidates[0];
        if (prefix is null && best.Matched == 0)
            throw new WeightLoadException($"{file} holds none of the module's weights under any prefix{(layout.AliasSchemes.Count > 0 ? " or alias scheme" : "")}: its keys begin with {Describe(TopPrefixes(fileKeys))}, the module's with {Describe(TopPrefixes(moduleKeys))}.");
        if (prefix is null && best.Complete)
        {
            var rival = candidates.Skip(1).FirstOrDefault(c => c.Complete && c.Matched == best.Matched && c.Prefix != best.Prefix && c.KnownPrefix == best.KnownPrefix);
            if (rival is not null)
                throw new WeightLoadException($"{file} holds the module's weights under more than one prefix ('{best.Prefix}' and '{rival.Prefix}'); name the one to load with the prefix argument.");
        }
        return best.ToSelection(prefix is null, moduleKeys, fileKeys);
    }

    private static IEnumerable<string> GivenPrefix(string file, IReadOnlyList<string> fileKeys, string prefix)
    {
        if (prefix.Length == 0 || fileKeys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            return [prefix];
        var wrapped = WeightKeys.DataParallelPrefix + prefix;
        if (fileKeys.Any(k => k.StartsWith(wrapped, StringComparison.Ordinal)))
            return [wrapped];
        throw new WeightLoadException($"{file} has no key starting with '{prefix}'; its keys begin with {Describe(TopPrefixes(fileKeys))}.");
    }

    private static IEnumerable<string> CandidatePrefixes(IReadOnlyList<string> fileKeys)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var key in fileKeys)
        {
            var end = -1;
            for (var segment = 0; segment < MaxPrefixSegments; segment++)
            {
                end = key.IndexOf('.', end + 1);
                if (end < 0)
                    break;
                prefixes.Add(key[..(end + 1)]);
            }
        }
        return prefixes;
    }

    private static Candidate Score(string prefix, KeyAliasScheme? scheme, HashSet<string> own, IReadOnlyList<string> moduleKeys, IReadOnlyList<string> fileKeys, CheckpointLayout layout)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in fileKeys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            var name = key[prefix.Length..];
            var ownName = scheme is null ? name : scheme.FromAlias(name);
            if (ownName is not null && own.Contains(ownName))
                found.TryAdd(ownName, key);
        }
        var expected = moduleKeys.Count(k => scheme is null || scheme.ToAlias(k) is not null);
        var bare = prefix.StartsWith(WeightKeys.DataParallelPrefix, StringComparison.Ordinal) ? prefix[WeightKeys.DataParallelPrefix.Length..] : prefix;
        return new Candidate(prefix, scheme, found, found.Count == expected && expected > 0, found.Count, layout.KnownPrefixes.Contains(bare));
    }

    private static IReadOnlyList<string> TopPrefixes(IReadOnlyList<string> keys) =>
        keys.Select(k => k.IndexOf('.') is var dot and >= 0 ? k[..(dot + 1)] : k).Distinct(StringComparer.Ordinal).ToList();

    private static string Describe(IReadOnlyList<string> prefixes) =>
        prefixes.Count == 0 ? "nothing (the file is empty)" : string.Join(", ", prefixes.Take(12).Select(p => $"'{p}'")) + (prefixes.Count > 12 ? $" and {prefixes.Count - 12} more" : "");

    private sealed record Candidate(string Prefix, KeyAliasScheme? Scheme, Dictionary<string, string> Found, bool Complete, int Matched, bool KnownPrefix)
    {
        public KeySelection ToSelection(bool detected, IReadOnlyList<string> moduleKeys, IReadOnlyList<string> fileKeys)
        {
            var supplying = new HashSet<string>(Found.Values, StringComparer.Ordinal);
            var unexpected = new List<string>();
            var ignored = new List<string>();
            foreach (var key in fileKeys)
            {
                if (!key.StartsWith(Prefix, StringComparison.Ordinal))
                    ignored.Add(key);
                else if (!supplying.Contains(key))
                    unexpected.Add(key);
            }
            var notInLayout = moduleKeys.Where(k => Scheme is not null && Scheme.ToAlias(k) is null).ToList();
            var outsideLayout = new HashSet<string>(notInLayout, StringComparer.Ordinal);
            var missing = moduleKeys.Where(k => !Found.ContainsKey(k) && !outsideLayout.Contains(k)).ToList();
            return new KeySelection(Prefix, detected, Scheme, Found, unexpected, ignored, notInLayout, missing);
        }
    }
}
