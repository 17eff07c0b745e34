using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Runtime;

namespace ModelGen.Benchmarks;

/// <summary>
/// Times a training step and measures its peak memory: the process's peak resident set (VmHWM of /proc/self/status,
/// reset before the step through /proc/self/clear_refs) minus the resident set at the step's start, by the end of the
/// backward and by the end of the step (the optimizer's temporaries), the largest over the measured repeats. Linux only. A peak needs freed memory to leave the process: with
/// <c>TensorMemory.OptimizeForLargeTensors</c> (the default) the warm-up's pages are reused and no peak is reported;
/// under <c>--fresh-pages</c> glibc's mmap and trim thresholds are pinned at 128 KiB, so every tensor of that size or
/// more is mapped when made and unmapped when freed, which also makes the times those of fresh pages.
/// </summary>
internal static class StepMeasurement
{
    private const double MiB = 1 << 20;
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapThreshold = -3;
    private const int PinnedThreshold = 128 * 1024;

    /// <summary>Whether peaks are measured (see the class); call before the first tensor.</summary>
    public static bool MeasuresPeaks { get; private set; }

    /// <summary>Pins glibc's thresholds when freed memory is not reused; says what the run measures.</summary>
    public static void Prepare()
    {
        MeasuresPeaks = !Program.ReusesFreedMemory
            && LibC.Mallopt(MallocMmapThreshold, PinnedThreshold) == 1 && LibC.Mallopt(MallocTrimThreshold, PinnedThreshold) == 1;
        Console.WriteLine(MeasuresPeaks
            ? "Peaks measured: glibc's mmap and trim thresholds pinned at 128 KiB (tensors are fresh pages, so times include their faults)."
            : "Peaks not measured: freed memory stays in the process (run with --fresh-pages for peaks).");
    }

    /// <summary>Runs <paramref name="warmup"/> then <paramref name="repeats"/> steps, each <paramref name="gradients"/> (forward and backward) then <paramref name="update"/> (optimizer).</summary>
    public static StepResult Measure(string command, string variant, int side, int batch, bool checkpointing,
        int warmup, int repeats, Action gradients, Action update)
    {
        for (var run = 0; run < warmup; run++)
        {
            gradients();
            update();
        }
        var resident = (double)ModelGen.Benchmarks.Report.ProcessMemory.ResidentBytes();
        var times = new List<double>();
        var (gradientsPeak, stepPeak) = (0.0, 0.0);
        for (var run = 0; run < repeats; run++)
        {
            ModelGen.Benchmarks.Report.ProcessMemory.ResetPeak();
            var before = ModelGen.Benchmarks.Report.ProcessMemory.ResidentBytes();
            var watch = Stopwatch.StartNew();
            gradients();
            var afterGradients = ModelGen.Benchmarks.Report.ProcessMemory.PeakBytes();
            update();
            watch.Stop();
            times.Add(watch.Elapsed.TotalSeconds);
            gradientsPeak = Math.Max(gradientsPeak, afterGradients - before);
            stepPeak = Math.Max(stepPeak, ModelGen.Benchmarks.Report.ProcessMemory.PeakBytes() - before);
        }
        var result = new StepResult(command, variant, side, batch, checkpointing, times,
            MeasuresPeaks ? gradientsPeak / MiB : null, MeasuresPeaks ? stepPeak / MiB : null, resident / MiB, LoadAverage());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{variant} {side}² batch {batch}, checkpointing {(checkpointing ? "on" : "off")}: {string.Join(" ", times.Select(t => t.ToString("F2", CultureInfo.InvariantCulture)))} s, forward+backward peak {Mib(result.GradientsPeakMiB)} MiB, step peak {Mib(result.StepPeakMiB)} MiB, load {result.Load}"));
        return result;
    }

    public static void Report(IReadOnlyList<StepResult> results, string? outFolder, string fileName)
    {
        Console.WriteLine();
        Console.WriteLine($"load after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| variant | side | batch | checkpointing | median step (s) | fastest (s) | forward+backward peak (MiB) | step peak (MiB) | resident before (MiB) | forward+backward peak saved |");
        Console.WriteLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var plain = results.FirstOrDefault(o => o.Variant == r.Variant && o.Side == r.Side && o.Batch == r.Batch && !o.Checkpointing);
            var saved = r.Checkpointing && r.GradientsPeakMiB is { } peak && plain?.GradientsPeakMiB is { } plainPeak ? (1 - peak / plainPeak).ToString("P0", CultureInfo.InvariantCulture) : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Variant} | {r.Side} | {r.Batch} | {(r.Checkpointing ? "on" : "off")} | {r.Median:F2} | {r.Fastest:F2} | {Mib(r.GradientsPeakMiB)} | {Mib(r.StepPeakMiB)} | {r.ResidentMiB:F0} | {saved} |"));
        }
        if (outFolder is null)
            return;
        Directory.CreateDirectory(outFolder);
        var path = Path.Combine(outFolder, fileName);
        var lines = results.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Command},{r.Variant},{r.Side},{r.Batch},{(r.Checkpointing ? "on" : "off")},{r.Seconds.Count},{r.Median:F4},{r.Fastest:F4},{r.GradientsPeakMiB?.ToString("F1", CultureInfo.InvariantCulture)},{r.StepPeakMiB?.ToString("F1", CultureInfo.InvariantCulture)},{r.ResidentMiB:F1},\"{r.Load}\""));
        File.WriteAllLines(path, lines.Prepend("command,variant,side,batch,checkpointing,repeats,median_s,fastest_s,forward_backward_peak_mib,step_peak_mib,resident_before_mib,load"));
        Console.WriteLine();
        Console.WriteLine($"written: {path}");
    }

    /// <summary>The values of <c>--checkpointing off,on</c> (default both, off first).</summary>
    public static bool[] CheckpointingModes(string[] args) =>
        Option(args, "--checkpointing", "off,on").Split(',').Select(v => v switch
        {
            "on" => true,
            "off" => false,
            _ => throw new ArgumentException($"--checkpointing takes off and/or on, got '{v}'."),
        }).ToArray();

    private static string Mib(double? value) => value?.ToString("F0", CultureInfo.InvariantCulture) ?? "n/a";

    public static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    public static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    public static int IntOption(string[] args, string name, int fallback) =>
        int.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
