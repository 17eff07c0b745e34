using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Layers.Sam;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// One global SAM ViT-B attention layer (width 768, 12 heads, relative positions) on a token grid, timed for each
/// number of queries per block (<see cref="SamAttention.QueriesPerBlock"/>), the block sizes alternated per round.
/// </summary>
/// <remarks>Usage: <c>attention-blocks [--grid 64] [--queries 16,32,64,128,256,4096] [--repeats 3]</c>.</remarks>
public static class AttentionBlocks
{
    public static void Run(string[] args)
    {
        var grid = int.Parse(Report.Options.Text(args, "--grid", "64"), CultureInfo.InvariantCulture);
        var counts = Report.Options.Text(args, "--queries", "16,32,64,128,256,4096").Split(',').Select(long.Parse).ToArray();
        var repeats = Report.Options.Whole(args, "--repeats", 3);
        manual_seed(1);
        using var attention = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: grid);
        using var noGrad = no_grad();
        attention.RelPosH!.normal_();
        attention.RelPosW!.normal_();
        using var x = randn(1, grid, grid, 768);
        var times = counts.ToDictionary(c => c, _ => new List<double>());
        for (var round = 0; round <= repeats; round++)
            foreach (var count in counts)
            {
                attention.QueriesPerBlock = count;
                var watch = Stopwatch.StartNew();
                using (attention.call(x))
                    watch.Stop();
                if (round > 0)
                    times[count].Add(watch.Elapsed.TotalMilliseconds);
            }
        Console.WriteLine($"grid {grid}x{grid} ({grid * grid} tokens), torch threads {get_num_threads()}, load {Report.MachineDescription.LoadAverage()}");
        Console.WriteLine("| queries per block | scores per block (MiB) | median (ms) | fastest (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var (count, measured) in times)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {12.0 * Math.Min(count, grid * grid) * grid * grid * 4 / (1 << 20):F1} | {measured.Order().ElementAt(measured.Count / 2):F0} | {measured.Min():F0} |"));
    }
}
