using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Sam;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// SAM ViT-B's attention with the fused CPU kernel, on each instruction set this CPU has, against the blocked tensor
/// operations (<see cref="SamAttention.FusedKernel"/>), in one process, alternated every round: a global layer
/// (64 x 64 tokens at 1024²), a windowed layer (25 windows of 14 x 14), and the whole backbone. Fastest and median.
/// </summary>
/// <remarks>Usage: <c>attention-kernels [--side 1024] [--rounds 4]</c>.</remarks>
public static class AttentionKernels
{
    public static void Run(string[] args)
    {
        var side = Report.Options.Whole(args, "--side", 1024);
        var rounds = Report.Options.Whole(args, "--rounds", 4);
        manual_seed(1);
        using var noGrad = no_grad();
        var grid = side / 16;
        FusedAttentionInstructions?[] paths =
            [null, .. Enum.GetValues<FusedAttentionInstructions>().Where(FusedAttentionKernel.IsSupported).Select(i => (FusedAttentionInstructions?)i)];
        Console.WriteLine($"side {side}, torch threads {get_num_threads()}, load {Report.MachineDescription.LoadAverage()}");
        Console.WriteLine("| what | " + string.Join(" | ", paths.Select(p => $"{Name(p)} fastest / median (ms)"))
                          + " | " + string.Join(" | ", paths.Skip(1).Select(p => $"blocked / {Name(p)} (fastest)")) + " |");
        Console.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---:|", 2 * paths.Length - 1)));

        using (var global = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: grid))
        using (var tokens = randn(1, grid, grid, 768))
            Print($"global layer, {grid} x {grid} tokens", Alternate(rounds, paths, [global], () => global.call(tokens)));
        using (var windowed = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: 14))
        using (var windows = randn((grid + 13) / 14 * ((grid + 13) / 14), 14, 14, 768))
            Print($"windowed layer, {windows.shape[0]} windows of 14 x 14", Alternate(rounds, paths, [windowed], () => windowed.call(windows)));
        using var backbone = ModelZoo.Create("SamVitB");
        using var images = randn(1, 3, side, side);
        var layers = ((nn.Module)backbone).modules().OfType<SamAttention>().ToArray();
        Print($"SamVitB forward, {layers.Length} attention layers", Alternate(rounds, paths, layers, () => backbone.Forward(images)));
    }

    private static string Name(FusedAttentionInstructions? path) => path is { } instructions ? $"fused {instructions}" : "blocked";

    /// <summary>Times of every path (null: the blocked operations), each round running them all once in turn; the first round warms up.</summary>
    private static List<double>[] Alternate(int rounds, FusedAttentionInstructions?[] paths, SamAttention[] layers, Func<IDisposable> forward)
    {
        var times = paths.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round <= rounds; round++)
            for (var p = 0; p < paths.Length; p++)
            {
                foreach (var layer in layers)
                    (layer.FusedKernel, layer.KernelInstructions) = (paths[p] is not null, paths[p] ?? layer.KernelInstructions);
                var watch = Stopwatch.StartNew();
                using (forward())
                    watch.Stop();
                if (round > 0)
                    times[p].Add(watch.Elapsed.TotalMilliseconds);
            }
        return times;
    }

    private static void Print(string what, List<double>[] times)
    {
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {string.Join(" | ", times.Select(t => $"{t.Min():F0} / {Median(t):F0}"))} | {string.Join(" | ", times.Skip(1).Select(t => $"{times[0].Min() / t.Min():F2}"))} |"));
    }
}
