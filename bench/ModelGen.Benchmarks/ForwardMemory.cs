using System.Globalization;
using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// The memory a forward takes beyond the built model: the process's peak resident set during one forward (VmHWM of
/// /proc/self/status, reset before it through /proc/self/clear_refs) minus the resident set before it, next to what
/// the library estimated for it (<c>ForwardMemoryCheck</c>, read back as <c>LastPeakEstimate</c>). Linux only.
/// </summary>
/// <remarks>
/// Usage: <c>forward-memory --variant SamVitB [--sides 256,512,1024] [--batch 1]</c>, best run with
/// <c>--fresh-pages</c>, so that freed tensors go back to the system and each forward's peak is its own.
/// </remarks>
public static class ForwardMemory
{
    public static void Run(string[] args)
    {
        var variant = Option(args, "--variant", "SamVitB");
        var sides = Option(args, "--sides", "256,512,1024").Split(',').Select(int.Parse).ToArray();
        var batch = int.Parse(Option(args, "--batch", "1"), CultureInfo.InvariantCulture);
        using var backbone = ModelZoo.Create(variant);
        using var noGrad = no_grad();
        Console.WriteLine($"{variant}, batch {batch}, torch threads {get_num_threads()}");
        Console.WriteLine("| side | measured peak (MiB) | estimate (MiB) | estimate / measured |");
        Console.WriteLine("|-----:|--------------------:|---------------:|--------------------:|");
        foreach (var side in sides)
        {
            using var images = randn(batch, 3, side, side);
            Report.ProcessMemory.ResetPeak();
            var before = Report.ProcessMemory.ResidentBytes();
            using (backbone.Forward(images))
            {
            }
            var peak = (double)(Report.ProcessMemory.PeakBytes() - before);
            var estimate = ((BackboneModule)backbone).LastPeakEstimate;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {side} | {peak / (1 << 20):F0} | {estimate / (1 << 20):F0} | {estimate / peak:F2} |"));
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
