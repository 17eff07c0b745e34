using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Json;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>
    /// Finds the backbone a composition's part names among the summaries of the first stage: by class name
    /// (<c>SamVitH</c>, or with its namespace), by built-in reference (<c>modelgen:sam/vit_h</c>) or by the spec
    /// file's path relative to the composition's. A name that matches no valid backbone is explained: an abstract
    /// spec, a distillation spec, a spec with errors, or nothing, with the closest names.
    /// </summary>
    internal sealed class BackboneReferences
    {
        private readonly IReadOnlyList<BackboneSummary> _summaries;
        private readonly IReadOnlyDictionary<string, SpecDocument> _byPath;
        private readonly BuiltInSpecs _builtIns;

        public BackboneReferences(IReadOnlyList<BackboneSummary> summaries, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns)
        {
            _summaries = summaries;
            _byPath = byPath;
            _builtIns = builtIns;
        }

        /// <summary>The backbone <paramref name="part"/>'s <c>backbone</c> names, or null after reporting why there is none.</summary>
        public BackboneSummary? Find(BoundObject part, string partName, string specPath, DiagnosticBag diagnostics)
        {
            var reference = part.String("backbone");
            var span = part.SpanOf("backbone");
            if (BuiltInSpecs.IsReference(reference))
                return ByBuiltIn(reference, span, partName, diagnostics);
            if (reference.EndsWith(ModelSpecGenerator.SpecSuffix, StringComparison.OrdinalIgnoreCase))
                return ByPath(reference, specPath, span, partName, diagnostics);
            return ByName(reference, span, partName, diagnostics);
        }

        private BackboneSummary? ByBuiltIn(string reference, SourceSpan span, string partName, DiagnosticBag diagnostics)
        {
            var found = _summaries.FirstOrDefault(s => s.IsBuiltIn && s.Reference == reference);
            if (found is not null)
                return found;
            var path = _builtIns.PathOf(reference);
            if (path is not null && _byPath.TryGetValue(path, out var document))
                return Unusable(document, $"\"{reference}\"", span, partName, diagnostics);
            var known = _summaries.Where(s => s.IsBuiltIn).Select(s => s.Reference).OrderBy(r => r, StringComparer.Ordinal).ToList();
            var message = !_builtIns.Available
                ? $"'{partName}.backbone' names \"{reference}\", a built-in spec of the ModelGen package, but this project has none: reference the ModelGen package, whose build files give the generator its specs (ModelGenBuiltInSpecsDirectory)."
                : $"'{partName}.backbone' names \"{reference}\", but the ModelGen package has no such backbone.{Suggestion(reference, known)}";
            diagnostics.Add(DiagnosticDescriptors.UnknownBackbone, span, message);
            return null;
        }

        private BackboneSummary? ByPath(string reference, string specPath, SourceSpan span, string partName, DiagnosticBag diagnostics)
        {
            var path = SpecResolver.Normalize(Path.Combine(Path.GetDirectoryName(specPath) ?? "", reference));
            var found = _summaries.FirstOrDefault(s => s.NormalizedPath == path);
            if (found is not null)
                return found;
            if (_byPath.TryGetValue(path, out var document))
                return Unusable(document, $"\"{reference}\"", span, partName, diagnostics);
            diagnostics.Add(DiagnosticDescriptors.UnknownBackbone, span, $"'{partName}.backbone' names \"{reference}\", but no spec file is at {path}. Spec files must be AdditionalFiles ending in {ModelSpecGenerator.SpecSuffix}; or name the backbone by its class name.");
            return null;
        }

        private BackboneSummary? ByName(string reference, SourceSpan span, string partName, DiagnosticBag diagnostics)
        {
            var matches = _summaries.Where(s => s.ClassName == reference || s.FullName == reference).ToList();
            if (matches.Count == 1)
                return matches[0];
            if (matches.Count > 1)
            {
                diagnostics.Add(DiagnosticDescriptors.UnknownBackbone, span, $"'{partName}.backbone' \"{reference}\" names {matches.Count} backbones ({string.Join(", ", matches.Select(m => m.Reference))}); name it by its full name ({string.Join(" or ", matches.Select(m => $"\"{m.FullName}\""))}).");
                return null;
            }
            var named = _byPath.Values.FirstOrDefault(d => d.Root is JsonObject root && root.Find(HeaderFields.Name)?.Value is JsonString name && name.Value == reference);
            if (named is not null)
                return Unusable(named, $"\"{reference}\"", span, partName, diagnostics);
            var names = _summaries.Select(s => s.ClassName).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
            diagnostics.Add(DiagnosticDescriptors.UnknownBackbone, span, $"'{partName}.backbone' names \"{reference}\", but no backbone spec of this project or of the ModelGen package has that class name.{Suggestion(reference, names)}");
            return null;
        }

        /// <summary>Explains why a spec file that exists gives no backbone.</summary>
        private BackboneSummary? Unusable(SpecDocument document, string what, SourceSpan span, string partName, DiagnosticBag diagnostics)
        {
            var root = document.Root as JsonObject;
            var reason = root?.Find(HeaderFields.Abstract)?.Value is JsonBoolean { Value: true }
                ? "an abstract spec, which only lends its fields to the specs that extend it; name one of those"
                : SpecResolver.DeclaredFamily(document, _byPath, _builtIns) == DistillationFamily.Name
                    ? "a distillation spec, not a backbone; a composition's parts are backbone specs"
                    : "not a valid backbone spec (see its own errors)";
            diagnostics.Add(DiagnosticDescriptors.UnknownBackbone, span, $"'{partName}.backbone' names {what}, which is {reason}.");
            return null;
        }

        private static string Suggestion(string reference, IReadOnlyList<string> known)
        {
            var suggestion = NameSuggestions.Closest(reference, known);
            if (suggestion is not null)
                return $" Did you mean \"{suggestion}\"?";
            return known.Count == 0 ? "" : $" Known: {string.Join(", ", known.Take(12))}{(known.Count > 12 ? ", ..." : "")}.";
        }
    }
}
