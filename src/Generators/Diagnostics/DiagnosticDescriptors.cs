using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generators.Diagnostics
{
    /// <summary>Every diagnostic ModelGen reports. Ids are stable; docs/diagnostics.md explains each.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "ModelGen.Spec";
        private const string HelpBase = "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics.md#";

        public static readonly DiagnosticDescriptor InvalidJson = Error("MG0001", "Spec is not valid JSON");
        public static readonly DiagnosticDescriptor NotAnObject = Error("MG0002", "Spec is not a JSON object");
        public static readonly DiagnosticDescriptor MissingField = Error("MG0003", "Required spec field is missing");
        public static readonly DiagnosticDescriptor UnknownField = Error("MG0004", "Unknown spec field");
        public static readonly DiagnosticDescriptor WrongType = Error("MG0005", "Spec field has the wrong type");
        public static readonly DiagnosticDescriptor UnknownFamily = Error("MG0006", "Unknown model family");
        public static readonly DiagnosticDescriptor OutOfRange = Error("MG0007", "Spec value is out of range");
        public static readonly DiagnosticDescriptor Inconsistent = Error("MG0008", "Spec values are inconsistent");
        public static readonly DiagnosticDescriptor InvalidStageIndexes = Error("MG0009", "Stage indexes are invalid");
        public static readonly DiagnosticDescriptor InvalidName = Error("MG0010", "Spec name is not a valid C# identifier");
        public static readonly DiagnosticDescriptor DuplicateName = Error("MG0011", "Two specs generate the same type");
        public static readonly DiagnosticDescriptor ExtendsNotFound = Error("MG0012", "Extended spec file not found");
        public static readonly DiagnosticDescriptor ExtendsCycle = Error("MG0013", "Spec inheritance forms a cycle");
        public static readonly DiagnosticDescriptor DuplicateField = Error("MG0014", "Spec field is given twice");
        public static readonly DiagnosticDescriptor InvalidNamespace = Error("MG0015", "Spec namespace is not a valid C# namespace");
        public static readonly DiagnosticDescriptor InvalidChoice = Error("MG0016", "Spec value is not one of the allowed choices");
        public static readonly DiagnosticDescriptor SuspiciousLayout = Warning("MG0017", "Legal but suspicious model layout");
        public static readonly DiagnosticDescriptor InternalError = Error("MG0018", "ModelGen could not process a spec");
        public static readonly DiagnosticDescriptor NotASpecFile = Info("MG0019", "A JSON file looks like a spec but is not compiled");
        public static readonly DiagnosticDescriptor UnknownBackbone = Error("MG0020", "A composition names no usable backbone spec");
        public static readonly DiagnosticDescriptor NeckDoesNotFitBackbone = Error("MG0021", "A neck does not fit its backbone's outputs");
        public static readonly DiagnosticDescriptor StudentDoesNotMatchTeacher = Error("MG0022", "The student's output does not match the teacher's target");
        public static readonly DiagnosticDescriptor NothingTrainable = Error("MG0023", "A composition's student has nothing to train");
        public static readonly DiagnosticDescriptor TrainingNotReferenced = Error("MG0024", "A distillation spec needs the ModelGen.Training package");

        public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticDescriptors)
            .GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();

        public static DiagnosticDescriptor ById(string id) => All.First(d => d.Id == id);

        private static DiagnosticDescriptor Error(string id, string title) => Create(id, title, DiagnosticSeverity.Error);

        private static DiagnosticDescriptor Warning(string id, string title) => Create(id, title, DiagnosticSeverity.Warning);

        private static DiagnosticDescriptor Info(string id, string title) => Create(id, title, DiagnosticSeverity.Info);

        private static DiagnosticDescriptor Create(string id, string title, DiagnosticSeverity severity) => new DiagnosticDescriptor(
            id,
            title,
            "{0}",
            Category,
            severity,
            isEnabledByDefault: true,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
    }
}
