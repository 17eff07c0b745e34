using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>What one distillation spec file yields: its diagnostics, and the unit to emit when it has no errors.</summary>
    internal sealed record DistillationOutcome(string Path, EquatableArray<DiagnosticInfo> Diagnostics, DistillationUnit? Unit);
}
