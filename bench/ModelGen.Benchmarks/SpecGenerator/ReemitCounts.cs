using Microsoft.CodeAnalysis;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Benchmarks.SpecGenerator;

/// <summary>
/// What a run of the generator did per spec, read from the driver's tracked steps: how many outputs (one per spec)
/// the source-output steps produced anew and how many they took from the cache, and which resolved specs changed.
/// </summary>
public sealed record ReemitCounts(int Reemitted, int Cached, IReadOnlyList<string> ChangedSpecs)
{
    public static ReemitCounts Of(GeneratorRunResult run)
    {
        var outputs = run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        var changed = new[] { TrackingNames.ResolvedSpecs, TrackingNames.ResolvedDistillations }
            .SelectMany(name => run.TrackedSteps.TryGetValue(name, out var steps) ? steps : [])
            .SelectMany(step => step.Outputs)
            .Where(o => IsRerun(o.Reason))
            .Select(o => PathOf(o.Value))
            .ToList();
        return new ReemitCounts(outputs.Count(o => IsRerun(o.Reason)), outputs.Count(o => !IsRerun(o.Reason)), changed);
    }

    private static bool IsRerun(IncrementalStepRunReason reason) => reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified;

    /// <summary>The outcomes are the generator's internal records; each has the Path of its spec.</summary>
    private static string PathOf(object value) => value.GetType().GetProperty("Path")?.GetValue(value) as string ?? value.ToString() ?? "";
}
