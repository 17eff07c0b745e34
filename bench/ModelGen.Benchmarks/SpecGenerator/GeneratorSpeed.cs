using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>
/// Stopwatch harness for the generator over <see cref="SpecCorpus"/>: cold runs (a new driver each), incremental runs
/// after one edited spec (from the same warm driver each), the time of each pipeline step, and, from the driver's
/// tracked steps, which outputs the edit re-emitted.
/// </summary>
/// <remarks>
/// Usage: <c>generator [--specs 1000] [--warmup 3] [--repeats 10] [--compile]</c>. The warm-up runs of each kind come
/// first, so that tiered compilation has optimised the generator; <c>--compile</c> also compiles the generated code once.
/// </remarks>
public static class GeneratorSpeed
{
    public static int Run(string[] args)
    {
        var count = int.Parse(Option(args, "--specs", "1000"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Option(args, "--warmup", "3"), CultureInfo.InvariantCulture);
        var repeats = int.Parse(Option(args, "--repeats", "10"), CultureInfo.InvariantCulture);
        Console.WriteLine($"load: {LoadAverage()}");
        var workload = new GeneratorWorkload(count);
        Console.WriteLine($"{workload.Specs.Length} project spec files, {workload.BuiltIns.Length} built-in spec files");

        var watch = Stopwatch.StartNew();
        var warm = workload.RunCold();
        Console.WriteLine(Invariant($"first cold run (JIT included): {watch.Elapsed.TotalSeconds:F3} s"));
        var result = warm.GetRunResult();
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Console.WriteLine($"{result.GeneratedTrees.Length} generated files, {errors.Count} errors, {result.Diagnostics.Length - errors.Count} other diagnostics");
        foreach (var diagnostic in result.Diagnostics.Take(5))
            Console.WriteLine($"  {diagnostic}");
        if (errors.Count > 0)
            return 1;

        Measure(warmup, () => workload.RunCold());
        var cold = Measure(repeats, () => workload.RunCold());
        Console.WriteLine(Invariant($"cold run: median {Median(cold.Wall):F3} s, fastest {cold.Wall.Min():F3} s; CPU median {Median(cold.Cpu):F3} s; {cold.AllocatedMegabytes:F0} MB allocated and {cold.GcPauseSeconds * 1000:F0} ms in GC pauses per run ({repeats} runs after {warmup} warm-up runs, a new driver each)"));
        Measure(warmup, () => workload.RunEdited(warm));
        var incremental = Measure(repeats, () => workload.RunEdited(warm));
        Console.WriteLine(Invariant($"one spec edited: median {Median(incremental.Wall) * 1000:F1} ms, fastest {incremental.Wall.Min() * 1000:F1} ms; CPU median {Median(incremental.Cpu) * 1000:F1} ms; {incremental.AllocatedMegabytes:F0} MB allocated and {incremental.GcPauseSeconds * 1000:F0} ms in GC pauses per run ({repeats} runs after {warmup} warm-up runs, from the same warm driver)"));

        var tracked = workload.RunCold(trackSteps: true);
        Console.WriteLine("pipeline steps of a cold run (tracked, summed over their entries):");
        foreach (var (name, seconds) in StepTimes(tracked))
            Console.WriteLine(Invariant($"  {name,-24} {seconds * 1000,9:F1} ms"));
        var editedRun = workload.RunEdited(tracked);
        Console.WriteLine("pipeline steps of the run after one edit (tracked):");
        foreach (var (name, seconds) in StepTimes(editedRun))
            Console.WriteLine(Invariant($"  {name,-24} {seconds * 1000,9:F1} ms"));
        var edited = ReemitCounts.Of(editedRun.GetRunResult().Results.Single());
        var onlyItself = edited.Reemitted == 1 && edited.ChangedSpecs.SequenceEqual([workload.Edited.Path]);
        Console.WriteLine($"after editing {Path.GetFileName(workload.Edited.Path)}: {edited.Reemitted} outputs re-emitted (New/Modified), {edited.Cached} cached (Cached/Unchanged)");
        Console.WriteLine($"  resolved specs that changed: {string.Join(", ", edited.ChangedSpecs.Select(Path.GetFileName))}; the edited spec re-emitted only itself: {(onlyItself ? "yes" : "NO")}");

        if (args.Contains("--compile"))
            Compile(workload);
        Console.WriteLine($"load after: {LoadAverage()}");
        return onlyItself ? 0 : 1;
    }

    /// <summary>What the generated code costs the compiler (parsing and binding every generated file, no emit), against the generator's time above.</summary>
    private static void Compile(GeneratorWorkload workload)
    {
        workload.CreateDriver().RunGeneratorsAndUpdateCompilation(workload.Compilation, out var output, out _);
        var compile = Measure(1, () =>
        {
            var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Console.WriteLine($"compiler errors in the generated code: {errors.Count}");
            foreach (var error in errors.Take(5))
                Console.WriteLine($"  {error}");
        });
        Console.WriteLine(Invariant($"parsing and binding the generated code: {compile.Wall[0]:F3} s, CPU {compile.Cpu[0]:F3} s"));
    }

    private static IEnumerable<(string Name, double Seconds)> StepTimes(GeneratorDriver driver)
    {
        var run = driver.GetRunResult().Results.Single();
        return run.TrackedSteps
            .Select(s => (s.Key, s.Value.Sum(step => step.ElapsedTime.TotalSeconds)))
            .OrderByDescending(s => s.Item2)
            .Append(("whole run", driver.GetTimingInfo().ElapsedTime.TotalSeconds));
    }

    /// <summary>
    /// Wall time, and the process's CPU time (the run's thread plus the GC's and the JIT's), of each run. On a machine
    /// busy with other work the CPU time is closer to what the run takes on a quiet one.
    /// </summary>
    private static (double[] Wall, double[] Cpu, double AllocatedMegabytes, double GcPauseSeconds) Measure(int repeats, Action run)
    {
        var wall = new double[repeats];
        var cpu = new double[repeats];
        var process = Process.GetCurrentProcess();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var paused = GC.GetTotalPauseDuration();
        for (var i = 0; i < repeats; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            run();
            wall[i] = watch.Elapsed.TotalSeconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        }
        return (wall, cpu, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1e6 / repeats, (GC.GetTotalPauseDuration() - paused).TotalSeconds / repeats);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
