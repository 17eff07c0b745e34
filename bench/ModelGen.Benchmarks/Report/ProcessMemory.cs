using System.Globalization;

namespace ModelGen.Benchmarks.Report;

/// <summary>The process's resident set from /proc/self/status, and its peak since the last reset (Linux).</summary>
internal static class ProcessMemory
{
    /// <summary>Makes VmHWM start again from the current resident set.</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    public static long ResidentBytes() => StatusKiB("VmRSS:") * 1024;

    public static long PeakBytes() => StatusKiB("VmHWM:") * 1024;

    private static long StatusKiB(string field) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
            .Select(l => long.Parse(l[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).Single();
}
