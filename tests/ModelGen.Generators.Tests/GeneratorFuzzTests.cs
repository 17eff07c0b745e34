using System.Diagnostics;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Testing;
using Xunit.Abstractions;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Feeds thousands of broken, odd and adversarial specs through the real driver, one project per
/// run. Whatever the input, the generator must not throw, must report only located MG diagnostics
/// (never the internal error) and must emit code that parses; a sample of the accepted inputs is
/// compiled. Set MODELGEN_FUZZ_SEED to replay or explore another seed.
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 5_2025;
    private const int InputCount = 6_000;
    private const int CompileEvery = 20;
    private const int MaxCompiled = 20;

    [Fact]
    public void Generator_survives_mutated_and_adversarial_specs()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MODELGEN_FUZZ_SEED"), out var chosen) ? chosen : DefaultSeed;
        output.WriteLine($"fuzz seed {seed} (replay with MODELGEN_FUZZ_SEED={seed})");
        var inputs = FuzzInputs.Generate(seed, InputCount);
        var compilation = GeneratorHarness.CreateCompilation();
        var failures = new List<string>();
        var accepted = 0;
        var compiled = 0;
        var diagnosticCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();

        foreach (var input in inputs)
        {
            var specs = input.Files.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)).ToList();
            var result = GeneratorHarness.CreateDriver(specs, FuzzInputs.Root).RunGenerators(compilation).GetRunResult();
            foreach (var diagnostic in result.Diagnostics)
                diagnosticCounts[diagnostic.Id] = diagnosticCounts.GetValueOrDefault(diagnostic.Id) + 1;

            var problems = Problems(input, result).ToList();
            if (problems.Count == 0 && result.GeneratedTrees.Length > 0 && accepted++ % CompileEvery == 0 && compiled < MaxCompiled)
            {
                compiled++;
                problems.AddRange(GeneratorHarness.CompilationErrors(compilation.AddSyntaxTrees(result.GeneratedTrees)).Select(e => $"generated code does not compile: {e}"));
            }
            if (problems.Count > 0)
                failures.Add($"{string.Join("\n", problems.Take(3))}\n{input}");
        }

        output.WriteLine($"{inputs.Count} inputs in {clock.Elapsed.TotalSeconds:0.0} s; {accepted} generated code, {compiled} compiled");
        output.WriteLine("diagnostics: " + string.Join(", ", diagnosticCounts.Select(c => $"{c.Key} x{c.Value}")));
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} of {inputs.Count} inputs failed; the first ones:\n\n{string.Join("\n\n", failures.Take(5))}");
    }

    private static IEnumerable<string> Problems(FuzzInput input, GeneratorDriverRunResult result)
    {
        if (result.Results[0].Exception is { } exception)
            yield return $"the generator threw {exception}";
        foreach (var diagnostic in result.Diagnostics)
        {
            if (!diagnostic.Id.StartsWith("MG", StringComparison.Ordinal) || diagnostic.Id == "MG0018")
            {
                yield return $"unexpected diagnostic {diagnostic}";
                continue;
            }
            var path = diagnostic.Location.GetLineSpan().Path;
            var file = input.Files.FirstOrDefault(f => f.Path == path);
            if (diagnostic.Location.Kind != LocationKind.ExternalFile || file.Path is null || diagnostic.Location.SourceSpan.End > file.Text.Length)
                yield return $"diagnostic outside the input's spec files: {diagnostic} at {path}{diagnostic.Location.SourceSpan}";
        }
        foreach (var tree in result.GeneratedTrees)
            foreach (var error in tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
                yield return $"generated code does not parse: {error}";
    }
}
