using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Report;

/// <summary>
/// One variant at one image side, in a process of its own: the time and peak memory of its first forward (VmHWM minus
/// the resident set before it; a fresh process has no freed memory to reuse, so the peak is the forward's own), then
/// the times of the measured forwards after the warm-up ones, the peak the library's memory check estimated, and the
/// memory the process still holds after the forwards. Prints one <c>SAMPLE {json}</c> line.
/// </summary>
/// <remarks>Usage: <c>forward-sample --variant SamVitB --side 1024 [--repeats 3] [--warmup 1]</c>.</remarks>
internal static class ForwardSample
{
    public const string Prefix = "SAMPLE ";

    public static void Run(string[] args)
    {
        var variant = Options.Text(args, "--variant", "SamVitB");
        var side = Options.Whole(args, "--side", 1024);
        var repeats = Options.Whole(args, "--repeats", 3);
        var warmup = Options.Whole(args, "--warmup", 1);

        var gmacs = FlopCounter.Count(ModelZoo.Describe(variant), side, side).GigaMacs;
        using var backbone = ModelZoo.Create(variant);
        using var noGrad = no_grad();
        using var images = randn(1, 3, side, side, generator: new Generator(1));
        var before = ProcessMemory.ResidentBytes();
        ProcessMemory.ResetPeak();
        var times = new List<double>();
        var first = 0.0;
        long peak = 0;
        for (var run = 0; run < Math.Max(1, warmup) + repeats; run++)
        {
            var watch = Stopwatch.StartNew();
            using (backbone.Forward(images))
                watch.Stop();
            if (run == 0)
                (first, peak) = (watch.Elapsed.TotalSeconds, ProcessMemory.PeakBytes() - before);
            if (run >= Math.Max(1, warmup))
                times.Add(watch.Elapsed.TotalSeconds);
        }
        var retained = ProcessMemory.ResidentBytes() - before;
        Console.WriteLine(Prefix + JsonSerializer.Serialize(new ForwardResult(
            variant, side, gmacs, times.ToArray(), peak / (double)(1 << 20), ((BackboneModule)backbone).LastPeakEstimate / (1 << 20),
            retained / (double)(1 << 20), get_num_threads(), MachineDescription.LoadAverage(), first)));
    }
}

/// <summary>What <see cref="ForwardSample"/> measured (and the Python peer prints in the same shape).</summary>
/// <param name="EstimateMiB">What the library's memory check estimated for the forward (0 for the peer).</param>
/// <param name="RetainedMiB">The resident set after the last forward (its outputs freed) beyond the one before the first.</param>
/// <param name="FirstSeconds">The first forward's time: it faults in the pages every later forward reuses.</param>
internal sealed record ForwardResult(
    string Variant, int Side, double GigaMacs, double[] Seconds, double PeakMiB, double EstimateMiB, double RetainedMiB, int Threads, string Load,
    double FirstSeconds)
{
    [JsonIgnore]
    public double Median => MedianOf(Seconds);

    /// <summary>The middle value (the upper one of an even count), NaN for none.</summary>
    public static double MedianOf(IReadOnlyCollection<double> values) =>
        values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);

    public static ForwardResult? Parse(string line) =>
        line.StartsWith(ForwardSample.Prefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<ForwardResult>(line[ForwardSample.Prefix.Length..])
            : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Variant} {Side}²: {string.Join(" ", Seconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))} s, peak {PeakMiB:F0} MiB, load {Load}");
}
