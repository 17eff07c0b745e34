using System.Runtime.InteropServices;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Report;

/// <summary>What the numbers were measured on.</summary>
internal static class MachineDescription
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The kernel the linear layers take in this process, and the calibration behind it.</summary>
    public static string LinearKernelLine()
    {
        var calibration = LinearKernels.Calibration;
        return FormattableString.Invariant(
            $"Linear layers: {LinearKernels.Effective} (LinearKernels.Requested {LinearKernels.Requested}; calibration, 4096 x 384 → 768: BLAS {calibration.BlasSeconds * 1e3:F2} ms, oneDNN {calibration.OneDnnSeconds * 1e3:F2} ms)");
    }

    public static IEnumerable<string> Lines()
    {
        var cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var flags = cpuinfo.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1].Split(' ') ?? [];
        string[] vectorFlags = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"];
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            : "0";
        yield return $"CPU: {model}, {Environment.ProcessorCount} logical cores, {string.Join(" ", vectorFlags.Where(flags.Contains))}";
        yield return $"Memory: {long.Parse(memory) / (1024.0 * 1024):F1} GiB";
        yield return $"Runtime: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}";
        yield return $"LibTorch intra-op threads: {get_num_threads()}";
        yield return LinearKernelLine();
        yield return $"Load average at the start: {LoadAverage()}";
    }
}
