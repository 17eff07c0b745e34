using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Layers.Sam;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// One SAM ViT-B attention layer (width 768, 12 heads, relative positions) on a token grid — global, or over
/// windows of the grid's side — timed for each block size (<see cref="SamAttention.ScoresPerBlock"/>), the sizes
/// alternated per round.
/// </summary>
/// <remarks>Usage: <c>attention-blocks [--grid 64] [--windows 1] [--scores 262144,1048576,2097152,4194304] [--repeats 3]</c>:
/// <c>--windows 25</c> with <c>--grid 14</c> is a windowed layer of SAM ViT-B at 1024² (25 windows of 14 x 14).</remarks>
public static class AttentionBlocks
{
    public static void Run(string[] args)
    {
        var grid = int.Parse(Report.Options.Text(args, "--grid", "64"), CultureInfo.InvariantCulture);
        var windows = Report.Options.Whole(args, "--windows", 1);
        var sizes = Report.Options.Text(args, "--scores", "262144,1048576,2097152,4194304").Split(',').Select(long.Parse).ToArray();
        var repeats = Report.Options.Whole(args, "--repeats", 3);
        manual_seed(1);
        using var attention = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: grid);
        using var noGrad = no_grad();
        attention.RelPosH!.normal_();
        attention.RelPosW!.normal_();
        using var x = randn(windows, grid, grid, 768);
        var times = sizes.ToDictionary(c => c, _ => new List<double>());
        for (var round = 0; round <= repeats; round++)
            foreach (var size in sizes)
            {
                attention.ScoresPerBlock = size;
                var watch = Stopwatch.StartNew();
                using (attention.call(x))
                    watch.Stop();
                if (round > 0)
                    times[size].Add(watch.Elapsed.TotalMilliseconds);
            }
        var tokens = (long)grid * grid;
        Console.WriteLine($"{windows} x grid {grid}x{grid} ({tokens} tokens), torch threads {get_num_threads()}, load {Report.MachineDescription.LoadAverage()}");
        Console.WriteLine("| scores per block | block (sequences x queries) | MiB | median (ms) | fastest (ms) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var (size, measured) in times)
        {
            var (sequences, queries) = SamAttention.BlockShape(size, windows * 12L, tokens);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size} | {sequences} x {queries} | {sequences * queries * tokens * 4.0 / (1 << 20):F1} | {measured.Order().ElementAt(measured.Count / 2):F0} | {measured.Min():F0} |"));
        }
    }
}
