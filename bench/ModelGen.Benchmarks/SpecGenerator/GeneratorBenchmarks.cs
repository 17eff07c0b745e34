using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;

namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>
/// <see cref="ModelGen.Generators.ModelSpecGenerator"/> over a project of 1,000 specs (plus the package's built-ins):
/// a build from scratch, and the incremental run after one spec is edited. The driver's own time only; compiling
/// the generated code is not part of it.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private GeneratorWorkload _workload = null!;
    private GeneratorDriver _warm = null!;

    [Params(1000)]
    public int Specs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workload = new GeneratorWorkload(Specs);
        _warm = _workload.RunCold();
    }

    [Benchmark(Baseline = true)]
    public GeneratorDriver Cold() => _workload.RunCold();

    /// <summary>Every invocation starts from the same warm driver (drivers are immutable), so each re-runs the one edit.</summary>
    [Benchmark]
    public GeneratorDriver OneSpecEdited() => _workload.RunEdited(_warm);
}
