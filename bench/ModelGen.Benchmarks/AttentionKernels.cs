using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Sam;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// SAM ViT-B's attention with the fused CPU kernel against the blocked tensor operations
/// (<see cref="SamAttention.FusedKernel"/>), in one process, the two alternated every round: a global layer
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
        Console.WriteLine($"side {side}, torch threads {get_num_threads()}, load {Report.MachineDescription.LoadAverage()}");
        Console.WriteLine("| what | blocked fastest (ms) | blocked median (ms) | fused fastest (ms) | fused median (ms) | blocked / fused (fastest) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");

        using (var global = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: grid))
        using (var tokens = randn(1, grid, grid, 768))
            Print($"global layer, {grid} x {grid} tokens", Alternate(rounds, [global], () => global.call(tokens)));
        using (var windowed = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: 14))
        using (var windows = randn((grid + 13) / 14 * ((grid + 13) / 14), 14, 14, 768))
            Print($"windowed layer, {windows.shape[0]} windows of 14 x 14", Alternate(rounds, [windowed], () => windowed.call(windows)));
        using var backbone = ModelZoo.Create("SamVitB");
        using var images = randn(1, 3, side, side);
        var layers = ((nn.Module)backbone).modules().OfType<SamAttention>().ToArray();
        Print($"SamVitB forward, {layers.Length} attention layers", Alternate(rounds, layers, () => backbone.Forward(images)));
    }

    private static (List<double> Blocked, List<double> Fused) Alternate(int rounds, SamAttention[] layers, Func<IDisposable> forward)
    {
        var (blocked, fused) = (new List<double>(), new List<double>());
        for (var round = 0; round <= rounds; round++)
            foreach (var useFused in new[] { false, true })
            {
                foreach (var layer in layers)
                    layer.FusedKernel = useFused;
                var watch = Stopwatch.StartNew();
                using (forward())
                    watch.Stop();
                if (round > 0)
                    (useFused ? fused : blocked).Add(watch.Elapsed.TotalMilliseconds);
            }
        return (blocked, fused);
    }

    private static void Print(string what, (List<double> Blocked, List<double> Fused) times)
    {
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {times.Blocked.Min():F0} | {Median(times.Blocked):F0} | {times.Fused.Min():F0} | {Median(times.Fused):F0} | {times.Blocked.Min() / times.Fused.Min():F2} |"));
    }
}
