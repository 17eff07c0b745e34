namespace ModelGen.Models.Weights;

/// <summary>A checkpoint that does not fit the module; nothing was loaded.</summary>
public sealed class WeightLoadException : Exception
{
    private const int MaxListed = 20;

    public WeightLoadException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
        : base(Describe(source, missing, unexpected, mismatched))
    {
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>Keys the module has and the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys the checkpoint has and the module lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys present on both sides with different shapes, each with both shapes.</summary>
    public IReadOnlyList<string> Mismatched { get; }

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing key(s): {List(missing)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s): {List(unexpected)}");
        if (mismatched.Count > 0) parts.Add($"{mismatched.Count} key(s) with the wrong shape: {List(mismatched)}");
        return $"The weights in {source} do not fit the module, so none were loaded. {string.Join("; ", parts)}.";
    }

    private static string List(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(MaxListed)) + (keys.Count > MaxListed ? $", ... ({keys.Count - MaxListed} more)" : "");
}
