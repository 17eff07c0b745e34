using BenchmarkDotNet.Running;
using ModelGen.Benchmarks.SpecGenerator;
using ModelGen.Models.Runtime;

namespace ModelGen.Benchmarks;

public static class Program
{
    /// <summary>Whether freed native memory stays in the process (<c>TensorMemory.OptimizeForLargeTensors</c>; off with <c>--fresh-pages</c>).</summary>
    internal static bool ReusesFreedMemory { get; private set; }

    public static void Main(string[] args)
    {
        // Before anything loads LibTorch: OpenMP reads its wait policy once, at load.
        if (args.Contains("--omp-passive"))
            Console.WriteLine(LibTorchThreads.SleepWhenIdle()
                ? "LibTorch's OpenMP threads: sleep when idle (LibTorchThreads.SleepWhenIdle)."
                : "LibTorch's OpenMP threads: could not make them sleep when idle; they keep the default policy.");
        var reuse = !args.Contains("--fresh-pages");
        args = args.Where(a => a is not ("--fresh-pages" or "--omp-passive")).ToArray();
        ReusesFreedMemory = reuse && TensorMemory.OptimizeForLargeTensors();
        var hugePages = Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") == "1"
            ? "LibTorch's huge pages (THP_MEM_ALLOC_ENABLE=1)"
            : "4 KiB pages";
        Console.WriteLine(ReusesFreedMemory
            ? $"Native memory: freed memory reused (TensorMemory.OptimizeForLargeTensors), {hugePages}."
            : $"Native memory: the allocator's defaults (large tensors fault in fresh pages), {hugePages}.");
        // Also measures the calibration now, so that it does not fall inside a timed forward.
        if (args.FirstOrDefault() != "generator")
            Console.WriteLine(Report.MachineDescription.LinearKernelLine());
        switch (args.FirstOrDefault())
        {
            case "scaling":
                BackboneScaling.Run(args[1..]);
                break;
            case "forward-memory":
                ForwardMemory.Run(args[1..]);
                break;
            case "training-step":
                TrainingStepBenchmark.Run(args[1..]);
                break;
            case "distill-step":
                DistillStepBenchmark.Run(args[1..]);
                break;
            case "vitamin-breakdown":
                VitaminBreakdown.Run(args[1..]);
                break;
            case "report":
                Report.PerformanceReport.Run(args[1..]);
                break;
            case "attention-blocks":
                AttentionBlocks.Run(args[1..]);
                break;
            case "attention-kernels":
                AttentionKernels.Run(args[1..]);
                break;
            case "forward-sample":
                Report.ForwardSample.Run(args[1..]);
                break;
            case "generator":
                Environment.ExitCode = GeneratorSpeed.Run(args[1..]);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                break;
        }
    }
}
