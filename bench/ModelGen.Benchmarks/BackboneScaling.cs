using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Sam;
using ModelGen.Models.Vitamin;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Forward time (eval, no_grad, batch 1, random weights) of the RWKV-SAM student <see cref="VitaminSmallRwkv"/> and the
/// SAM teacher <see cref="SamVitB"/> over image sides. A Stopwatch harness rather than BenchmarkDotNet: one forward
/// takes up to tens of seconds, so a few repeats are all a run can afford.
/// </summary>
/// <remarks>
/// Usage: <c>scaling [--sides 256,512,1024,2048] [--repeats 3] [--warmup 1] [--threads N]</c> (warm-up forwards per
/// size; LibTorch intra-op threads, default LibTorch's own). Reports the fastest repeat: on a shared machine, contention
/// only ever adds time.
/// </remarks>
public static class BackboneScaling
{
    private const int Patch = 16;

    public static void Run(string[] args)
    {
        var sides = Option(args, "--sides", "256,512,1024,2048").Split(',').Select(int.Parse).ToArray();
        var repeats = int.Parse(Option(args, "--repeats", "3"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Option(args, "--warmup", "1"), CultureInfo.InvariantCulture);
        if (Array.IndexOf(args, "--threads") >= 0)
            set_num_threads(int.Parse(Option(args, "--threads", ""), CultureInfo.InvariantCulture));
        Console.WriteLine($"torch threads: {get_num_threads()}, repeats: {repeats}, warm-up: {warmup}, load: {LoadAverage()}");

        var vitamin = Measure("VitaminSmallRwkv", () => new VitaminSmallRwkv(), sides, warmup, repeats);
        var sam = Measure("SamVitB", () => new SamVitB(), sides, warmup, repeats);

        Console.WriteLine();
        Console.WriteLine($"load after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| side | tokens | VITAMIN-S RWKV (s) | step ratio | µs/token | SAM ViT-B (s) | step ratio | µs/token | SAM / VITAMIN |");
        Console.WriteLine("|-----:|-------:|-------------------:|-----------:|---------:|--------------:|-----------:|---------:|--------------:|");
        for (var i = 0; i < sides.Length; i++)
        {
            var tokens = (long)(sides[i] / Patch) * (sides[i] / Patch);
            Console.WriteLine(
                $"| {sides[i]} | {tokens} | {Seconds(vitamin[i])} | {Step(vitamin, i)} | {PerToken(vitamin[i], tokens)} " +
                $"| {Seconds(sam[i])} | {Step(sam, i)} | {PerToken(sam[i], tokens)} | {Ratio(sam[i], vitamin[i])} |");
        }
    }

    /// <summary>Fastest forward seconds per side; null where the size was skipped.</summary>
    private static double?[] Measure(string name, Func<IBackbone> create, int[] sides, int warmup, int repeats)
    {
        using var backbone = create();
        using var noGrad = no_grad();
        var result = new double?[sides.Length];
        for (var i = 0; i < sides.Length; i++)
        {
            using var images = randn(1, 3, sides[i], sides[i], generator: new Generator(1));
            var times = new List<double>();
            try
            {
                for (var run = 0; run < warmup + repeats; run++)
                {
                    var watch = Stopwatch.StartNew();
                    using (backbone.Forward(images))
                        watch.Stop();
                    if (run >= warmup)
                        times.Add(watch.Elapsed.TotalSeconds);
                }
            }
            catch (InsufficientMemoryException e)
            {
                Console.WriteLine($"{name} {sides[i]}: skipped, {e.Message}");
                continue;
            }
            result[i] = times.Min();
            Console.WriteLine($"{name} {sides[i]}: {string.Join(" ", times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))} s, load {LoadAverage()}");
        }
        return result;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private static string Seconds(double? value) => value?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/m";

    private static string Step(double?[] times, int i) =>
        i > 0 && times[i] is { } now && times[i - 1] is { } before
            ? (now / before).ToString("F2", CultureInfo.InvariantCulture)
            : "";

    private static string PerToken(double? seconds, long tokens) =>
        seconds is { } s ? (s * 1e6 / tokens).ToString("F0", CultureInfo.InvariantCulture) : "n/m";

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d ? (n / d).ToString("F2", CultureInfo.InvariantCulture) : "n/m";
}
