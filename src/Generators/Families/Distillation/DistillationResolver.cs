using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Json;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>
    /// The second resolver stage: the project's distillation specs, resolved like backbone specs (JSON, <c>extends</c>,
    /// header, fields) and then checked against the summaries of the backbones they name, which the first stage
    /// resolved; no backbone spec is parsed again here.
    /// </summary>
    internal static class DistillationResolver
    {
        public static ImmutableArray<DistillationOutcome> Resolve(ImmutableArray<SpecDocument> documents, GeneratorOptions options, EquatableArray<BackboneSummary> summaries, bool trainingReferenced)
        {
            var byPath = SpecResolver.ByPath(documents);
            var builtIns = SpecResolver.BuiltInsOf(options);
            var references = new BackboneReferences(summaries, byPath, builtIns);
            var outcomes = documents
                .Where(d => !builtIns.Contains(SpecResolver.Normalize(d.Path)) && SpecResolver.DeclaredFamily(d, byPath, builtIns) == DistillationFamily.Name)
                .OrderBy(d => d.Path, StringComparer.Ordinal)
                .Select(d => ResolveOne(d, byPath, builtIns, options, references, trainingReferenced))
                .ToList();
            return ReportDuplicateNames(outcomes, summaries).ToImmutableArray();
        }

        private static DistillationOutcome ResolveOne(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, GeneratorOptions options, BackboneReferences references, bool trainingReferenced)
        {
            var diagnostics = new DiagnosticBag();
            var unit = Build(document, byPath, builtIns, options, references, trainingReferenced, diagnostics);
            var located = diagnostics.ToEquatableArray().Select(d => SpecResolver.InUsersFile(d, document, builtIns)).ToEquatableArray();
            return new DistillationOutcome(document.Path, located, diagnostics.HasErrors ? null : unit);
        }

        private static DistillationUnit? Build(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, GeneratorOptions options, BackboneReferences references, bool trainingReferenced, DiagnosticBag diagnostics)
        {
            var prepared = SpecResolver.Prepare(document, byPath, builtIns, options, diagnostics);
            if (prepared is null)
                return null;
            var (header, properties, familySpan) = prepared.Value;
            if (!trainingReferenced)
            {
                diagnostics.Add(DiagnosticDescriptors.TrainingNotReferenced, familySpan, $"'{header.Name}' is a distillation spec, whose class derives from ModelGen.Training's DistillationComposition, but this project does not reference ModelGen.Training; add the ModelGen.Training package (dotnet add package ModelGen.Training), or remove the spec.");
                return null;
            }
            var fields = FieldBinder.Bind(
                DistillationFamily.Fields,
                properties,
                ((JsonObject)document.Root!).Span,
                familySpan,
                DistillationFamily.Fields.Select(f => f.JsonName).Concat(HeaderFields.All),
                $"family '{DistillationFamily.Name}'",
                diagnostics);
            if (fields is null)
                return null;

            var teacher = references.Find(fields.Object("teacher"), "teacher", document.Path, diagnostics);
            var student = references.Find(fields.Object("student"), "student", document.Path, diagnostics);
            if (teacher is null || student is null)
                return null;
            DistillationChecks.Validate(fields, teacher, student, diagnostics);
            return new DistillationUnit(header, fields, teacher, student);
        }

        /// <summary>A composition's class must not clash with another composition's or with a backbone's (ModelZoo and DistillationZoo find classes by name).</summary>
        private static IEnumerable<DistillationOutcome> ReportDuplicateNames(List<DistillationOutcome> outcomes, EquatableArray<BackboneSummary> summaries)
        {
            var seen = new Dictionary<string, ModelHeader>(StringComparer.OrdinalIgnoreCase);
            foreach (var outcome in outcomes)
            {
                if (outcome.Unit is null)
                {
                    yield return outcome;
                    continue;
                }
                var header = outcome.Unit.Header;
                var backbone = summaries.FirstOrDefault(s => string.Equals(s.ClassName, header.Name, StringComparison.OrdinalIgnoreCase));
                var config = summaries.FirstOrDefault(s => !s.IsBuiltIn && s.Namespace == header.Namespace && s.ClassName + "Config" == header.Name);
                string? message = null;
                if (backbone is not null)
                    message = $"'{header.Name}' is already the name of the backbone {backbone.FullName} ({backbone.Reference}); give the composition another 'name'.";
                else if (config is not null)
                    message = $"'{header.Namespace}.{header.Name}' is already generated from {config.Reference} (the config record of {config.ClassName}); give the composition another 'name'.";
                else if (seen.TryGetValue(header.Name, out var first))
                    message = $"'{header.Name}' is already generated from {first.SpecPath}; DistillationZoo finds compositions by class name, so give one of the specs another 'name'.";
                if (message is null)
                {
                    seen[header.Name] = header;
                    yield return outcome;
                    continue;
                }
                var bag = new DiagnosticBag();
                bag.Add(DiagnosticDescriptors.DuplicateName, header.NameSpan, message);
                yield return new DistillationOutcome(outcome.Path, outcome.Diagnostics.Concat(bag.ToEquatableArray()).ToEquatableArray(), null);
            }
        }
    }
}
