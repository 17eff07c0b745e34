namespace ModelGen.Models.Pretrained;

/// <summary>
/// The folders pretrained checkpoints are looked up in, in order: the folder named by
/// <c>MODELGEN_WEIGHTS</c> (files the user put there), then the per-user cache that downloads go to.
/// </summary>
public sealed class WeightsCache
{
    /// <summary>The environment variable naming a folder of checkpoint files, looked in before the cache.</summary>
    public const string EnvironmentVariable = "MODELGEN_WEIGHTS";

    /// <summary>Looks in <c>MODELGEN_WEIGHTS</c> (when set) and then the per-user cache folder.</summary>
    public WeightsCache()
        : this(Environment.GetEnvironmentVariable(EnvironmentVariable), DefaultCacheFolder())
    {
    }

    /// <summary>Looks only in <paramref name="cacheFolder"/>, which downloads also go to.</summary>
    public WeightsCache(string cacheFolder)
        : this(null, cacheFolder)
    {
    }

    /// <summary>Looks in <paramref name="weightsFolder"/> (when not null or empty) and then <paramref name="cacheFolder"/>, which downloads go to.</summary>
    public WeightsCache(string? weightsFolder, string cacheFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheFolder);
        CacheFolder = Path.GetFullPath(cacheFolder);
        WeightsFolder = string.IsNullOrWhiteSpace(weightsFolder) ? null : Path.GetFullPath(weightsFolder);
        LookupFolders = WeightsFolder is null || PathsEqual(WeightsFolder, CacheFolder)
            ? [CacheFolder]
            : [WeightsFolder, CacheFolder];
    }

    /// <summary>The user's own folder of checkpoints, or null.</summary>
    public string? WeightsFolder { get; }

    /// <summary>Where downloads are saved.</summary>
    public string CacheFolder { get; }

    /// <summary>The folders looked in, first match wins.</summary>
    public IReadOnlyList<string> LookupFolders { get; }

    /// <summary>The path of <paramref name="source"/>'s file in the first folder that holds it, or null. Its content is not checked.</summary>
    public string? Find(PretrainedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return LookupFolders.Select(folder => Path.Combine(folder, source.FileName)).FirstOrDefault(File.Exists);
    }

    /// <summary>Where a download of <paramref name="source"/> is saved.</summary>
    public string CachePathOf(PretrainedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Path.Combine(CacheFolder, source.FileName);
    }

    /// <summary>
    /// The per-user cache: <c>%LOCALAPPDATA%\modelgen\weights</c> on Windows; elsewhere
    /// <c>$XDG_CACHE_HOME/modelgen/weights</c>, or <c>~/.cache/modelgen/weights</c> when that is unset.
    /// </summary>
    public static string DefaultCacheFolder() =>
        DefaultCacheFolder(OperatingSystem.IsWindows(), Environment.GetEnvironmentVariable, Environment.GetFolderPath);

    internal static string DefaultCacheFolder(bool windows, Func<string, string?> variable, Func<Environment.SpecialFolder, string> folder)
    {
        string root;
        if (windows)
            root = folder(Environment.SpecialFolder.LocalApplicationData);
        else if (variable("XDG_CACHE_HOME") is { } xdg && Path.IsPathRooted(xdg))
            root = xdg; // The XDG spec says to ignore a relative value.
        else
            root = Path.Combine(folder(Environment.SpecialFolder.UserProfile), ".cache");
        if (string.IsNullOrEmpty(root))
            throw new InvalidOperationException($"No per-user folder to cache weights in; set {EnvironmentVariable} to a folder that holds them.");
        return Path.Combine(root, "modelgen", "weights");
    }

    private static bool PathsEqual(string a, string b) => string.Equals(
        Path.TrimEndingDirectorySeparator(a),
        Path.TrimEndingDirectorySeparator(b),
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
