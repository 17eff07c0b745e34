using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>What one spec file yields: its diagnostics, and the unit to emit when it has no errors.</summary>
    internal sealed record SpecOutcome(string Path, EquatableArray<DiagnosticInfo> Diagnostics, GenerationUnit? Unit);
}
