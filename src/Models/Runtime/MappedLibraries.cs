namespace ModelGen.Models.Runtime;

/// <summary>The shared libraries mapped into this process, from Linux's <c>/proc/self/maps</c>.</summary>
internal static class MappedLibraries
{
    /// <summary>The paths of the files mapped into this process, each once.</summary>
    /// <exception cref="IOException">/proc cannot be read.</exception>
    public static IReadOnlyList<string> Paths() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/') is var start and >= 0 ? line[start..] : "")
            .Where(file => file.Length > 0)
            .Distinct()
            .ToList();

    public static bool IsLibTorch(string path) =>
        Path.GetFileName(path).StartsWith("libtorch_cpu", StringComparison.Ordinal);
}
