using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Families;
using ModelGen.Generators.Families.Distillation;
using ModelGen.Generators.Json;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>
    /// Turns parsed spec files into validated generation units: follows <c>extends</c>, merges
    /// inherited fields (a child's value wins), checks the header, binds the family's fields and
    /// runs the family's checks. Every problem becomes a located diagnostic; nothing throws.
    /// Built-in specs of the package (<see cref="BuiltInSpecs"/>) generate nothing: they are resolved only to be
    /// extended and to be summarised for the specs that compose them. Distillation specs are left to
    /// <see cref="DistillationResolver"/>, which sees the backbones through these summaries.
    /// </summary>
    internal static class SpecResolver
    {
        public static BackboneResolution Resolve(ImmutableArray<SpecDocument> documents, GeneratorOptions options)
        {
            var byPath = ByPath(documents);
            var builtIns = BuiltInsOf(options);
            var backbones = documents.Where(d => DeclaredFamily(d, byPath, builtIns) != DistillationFamily.Name).ToList();
            var outcomes = backbones
                .Where(d => !builtIns.Contains(Normalize(d.Path)))
                .OrderBy(d => d.Path, StringComparer.Ordinal)
                .Select(d => ResolveOne(d, byPath, builtIns, options))
                .ToList();
            var checkedOutcomes = ReportDuplicateTypes(outcomes, BuiltInNames(documents, builtIns)).ToList();

            var summaries = checkedOutcomes
                .Where(o => o.Unit is not null)
                .Select(o => Summarize(o.Unit!, o.Path, o.Unit!.Header.SpecPath, isBuiltIn: false));
            return new BackboneResolution(checkedOutcomes.ToEquatableArray(), summaries.ToEquatableArray());
        }

        /// <summary>
        /// The summaries of the package's valid built-in backbone specs (given alone: they extend only each other). Each
        /// is resolved as the library compiles it (no built-ins of its own, the library's namespaces), so its summary
        /// names the library's class; its diagnostics are the library's, not the project's.
        /// </summary>
        public static EquatableArray<BackboneSummary> SummarizeBuiltIns(ImmutableArray<SpecDocument> builtInDocuments, GeneratorOptions options)
        {
            var byPath = ByPath(builtInDocuments);
            var builtIns = BuiltInsOf(options);
            var library = new GeneratorOptions(BuiltInSpecs.LibraryNamespace, "", "");
            var summaries = new List<BackboneSummary>();
            foreach (var document in builtInDocuments.OrderBy(d => d.Path, StringComparer.Ordinal))
            {
                if (DeclaredFamily(document, byPath, builtIns) == DistillationFamily.Name)
                    continue;
                var bag = new DiagnosticBag();
                var unit = Build(document, byPath, new BuiltInSpecs(""), library, bag);
                if (unit is not null && !bag.HasErrors)
                    summaries.Add(Summarize(unit, document.Path, builtIns.ReferenceOf(Normalize(document.Path)), isBuiltIn: true));
            }
            return summaries.ToEquatableArray();
        }

        /// <summary>Whether a spec file is one of the package's built-ins, by the project's options.</summary>
        public static bool IsBuiltIn(SpecDocument document, GeneratorOptions options) => BuiltInsOf(options).Contains(Normalize(document.Path));

        internal static Dictionary<string, SpecDocument> ByPath(IEnumerable<SpecDocument> documents)
        {
            var byPath = new Dictionary<string, SpecDocument>(StringComparer.Ordinal);
            foreach (var document in documents)
                byPath[Normalize(document.Path)] = document;
            return byPath;
        }

        internal static BuiltInSpecs BuiltInsOf(GeneratorOptions options) =>
            new BuiltInSpecs(options.BuiltInSpecDirectory.Length == 0 ? "" : Normalize(options.BuiltInSpecDirectory));

        /// <summary>
        /// The <c>family</c> a spec has after inheritance (its own, else the nearest one up its <c>extends</c> chain),
        /// read from the raw JSON; null when there is none or the chain is broken (resolution reports that).
        /// </summary>
        internal static string? DeclaredFamily(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns)
        {
            var visited = new HashSet<string>(StringComparer.Ordinal);
            for (var current = document; current?.Root is JsonObject root && visited.Add(Normalize(current.Path));)
            {
                if (root.Find(HeaderFields.Family)?.Value is JsonString family)
                    return family.Value;
                if (root.Find(HeaderFields.Extends)?.Value is not JsonString target || target.Value.Length == 0)
                    return null;
                var targetPath = BuiltInSpecs.IsReference(target.Value)
                    ? builtIns.PathOf(target.Value)
                    : Normalize(Path.Combine(Path.GetDirectoryName(current.Path) ?? "", target.Value));
                current = targetPath is not null && byPath.TryGetValue(targetPath, out var parent) ? parent : null;
            }
            return null;
        }

        private static BackboneSummary Summarize(GenerationUnit unit, string path, string reference, bool isBuiltIn)
        {
            var family = ModelFamilies.Find(unit.Header.Family)!;
            return new BackboneSummary(
                unit.Header.Name,
                unit.Header.Namespace,
                family.Name,
                reference,
                Normalize(path),
                isBuiltIn,
                family.Geometry(unit.Fields),
                unit.Fields.Map(SharedFields.Pretrained).Select(e => e.Key).ToEquatableArray(),
                unit.Fields.Object(SharedFields.Checkpoint).Strings(SharedFields.AliasSchemes));
        }

        /// <summary>The class names the package's built-in specs generate (in the library, not here), by name, with their references.</summary>
        private static Dictionary<string, string> BuiltInNames(ImmutableArray<SpecDocument> documents, BuiltInSpecs builtIns)
        {
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var document in documents)
            {
                var path = Normalize(document.Path);
                if (!builtIns.Contains(path) || document.Root is not JsonObject root)
                    continue;
                if (root.Find(HeaderFields.Abstract)?.Value is JsonBoolean { Value: true })
                    continue;
                if (root.Find(HeaderFields.Name)?.Value is JsonString name)
                    names[name.Value] = builtIns.ReferenceOf(path);
            }
            return names;
        }

        /// <summary>Reports properties given twice in one object; returns whether there were any.</summary>
        public static bool ReportDuplicates(JsonObject node, DiagnosticBag diagnostics)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var any = false;
            foreach (var property in node.Properties)
            {
                if (seen.Add(property.Name))
                    continue;
                diagnostics.Add(DiagnosticDescriptors.DuplicateField, property.NameSpan, $"'{property.Name}' is given more than once in this object; give it once.");
                any = true;
            }
            return any;
        }

        private static SpecOutcome ResolveOne(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, GeneratorOptions options)
        {
            var diagnostics = new DiagnosticBag();
            var unit = Build(document, byPath, builtIns, options, diagnostics);
            var located = diagnostics.ToEquatableArray().Select(d => InUsersFile(d, document, builtIns)).ToEquatableArray();
            return new SpecOutcome(document.Path, located, diagnostics.HasErrors ? null : unit);
        }

        /// <summary>
        /// A diagnostic located in a built-in spec (a value it sets that the user's overrides make wrong) is moved
        /// to the user's <c>extends</c> and names the built-in place by its reference: the package's copy in the
        /// NuGet cache is no file to edit, and a build prints no location that is not a file path.
        /// </summary>
        internal static DiagnosticInfo InUsersFile(DiagnosticInfo diagnostic, SpecDocument document, BuiltInSpecs builtIns)
        {
            var path = Normalize(diagnostic.Span.Path);
            if (!builtIns.Contains(path) || document.Root is not JsonObject root || root.Find(HeaderFields.Extends) is not JsonProperty extends)
                return diagnostic;
            var place = $"{builtIns.ReferenceOf(path)}({diagnostic.Span.StartLine + 1},{diagnostic.Span.StartColumn + 1})";
            return diagnostic with { Span = extends.Value.Span, Message = $"In {place}, which this spec extends: {diagnostic.Message}" };
        }

        private static GenerationUnit? Build(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, GeneratorOptions options, DiagnosticBag diagnostics)
        {
            var prepared = Prepare(document, byPath, builtIns, options, diagnostics);
            if (prepared is null)
                return null;
            var (header, properties, familySpan) = prepared.Value;
            var family = ModelFamilies.Find(header.Family)!;
            var fields = FieldBinder.Bind(
                family.Fields,
                properties,
                ((JsonObject)document.Root!).Span,
                familySpan,
                family.Fields.Select(f => f.JsonName).Concat(HeaderFields.All),
                $"family '{family.Name}'",
                diagnostics);
            if (fields is null)
                return null;

            family.Validate(fields, diagnostics);
            SharedFields.Validate(fields, family, diagnostics);
            return new GenerationUnit(header, fields);
        }

        /// <summary>
        /// The family-independent steps: the JSON checks, <c>extends</c>, the header; then the family's properties
        /// (after inheritance, without the header fields) and where the family was written (defaults are attributed to it).
        /// Null when the spec is abstract or any step failed.
        /// </summary>
        internal static (ModelHeader Header, List<JsonProperty> Properties, SourceSpan FamilySpan)? Prepare(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, GeneratorOptions options, DiagnosticBag diagnostics)
        {
            if (document.SyntaxError is not null)
            {
                diagnostics.Add(DiagnosticDescriptors.InvalidJson, document.SyntaxError.Span, $"The spec is not valid JSON: {document.SyntaxError.Message}.");
                return null;
            }
            if (document.Root is not JsonObject root)
            {
                diagnostics.Add(DiagnosticDescriptors.NotAnObject, document.Root!.Span, $"A spec must be a JSON object with 'name', 'family' and the family's fields, not {document.Root.KindName} .".Replace(" .", "."));
                return null;
            }
            if (ReportDuplicates(root, diagnostics))
                return null;

            if (root.Find(HeaderFields.Abstract) is JsonProperty abstractProperty)
            {
                if (abstractProperty.Value is not JsonBoolean isAbstract)
                {
                    diagnostics.Add(DiagnosticDescriptors.WrongType, abstractProperty.Value.Span, "'abstract' must be true or false.");
                    return null;
                }
                if (isAbstract.Value)
                {
                    CollectInherited(document, byPath, builtIns, options.ProjectDirectory, diagnostics);
                    return null;
                }
            }

            var merged = CollectInherited(document, byPath, builtIns, options.ProjectDirectory, diagnostics);
            if (merged is null)
                return null;

            var header = BindHeader(root, merged, document.Path, options, diagnostics);
            if (header is null)
                return null;
            return (header, merged.Values.Where(p => !HeaderFields.All.Contains(p.Name)).ToList(), merged[HeaderFields.Family].Value.Span);
        }

        /// <summary>
        /// The spec's properties after following its <c>extends</c> chain, by name; null on a broken chain.
        /// A built-in spec lends its model fields but not its namespace or description, which describe the library's own class.
        /// </summary>
        private static Dictionary<string, JsonProperty>? CollectInherited(SpecDocument document, IReadOnlyDictionary<string, SpecDocument> byPath, BuiltInSpecs builtIns, string projectDirectory, DiagnosticBag diagnostics)
        {
            var chain = new List<JsonObject>();
            var visited = new List<string>();
            var current = document;
            while (true)
            {
                var root = (JsonObject)current.Root!;
                chain.Add(root);
                visited.Add(Normalize(current.Path));
                var extends = root.Find(HeaderFields.Extends);
                if (extends is null)
                    break;
                if (extends.Value is not JsonString target || target.Value.Length == 0)
                {
                    diagnostics.Add(DiagnosticDescriptors.WrongType, extends.Value.Span, "'extends' must be the relative path of another spec file, e.g. \"sam-vit.base.model.json\", or a built-in spec such as \"modelgen:sam/vit_b\".");
                    return null;
                }

                var targetPath = BuiltInSpecs.IsReference(target.Value)
                    ? builtIns.PathOf(target.Value)
                    : Normalize(Path.Combine(Path.GetDirectoryName(current.Path) ?? "", target.Value));
                if (targetPath is null || (BuiltInSpecs.IsReference(target.Value) && !byPath.ContainsKey(targetPath)))
                {
                    diagnostics.Add(DiagnosticDescriptors.ExtendsNotFound, extends.Value.Span, UnknownBuiltIn(target.Value, byPath.Keys, builtIns));
                    return null;
                }
                if (visited.Contains(targetPath))
                {
                    diagnostics.Add(DiagnosticDescriptors.ExtendsCycle, extends.Value.Span, $"'extends' leads back to {Path.GetFileName(targetPath)}: {string.Join(" -> ", visited.Concat(new[] { targetPath }).Select(Path.GetFileName))}. Remove one link of the cycle.");
                    return null;
                }
                if (!byPath.TryGetValue(targetPath, out var parent))
                {
                    diagnostics.Add(DiagnosticDescriptors.ExtendsNotFound, extends.Value.Span, MissingSpecFile(target.Value, targetPath, projectDirectory));
                    return null;
                }
                if (parent.SyntaxError is not null || parent.Root is not JsonObject parentRoot)
                {
                    diagnostics.Add(DiagnosticDescriptors.ExtendsNotFound, extends.Value.Span, $"'extends' names \"{target.Value}\", which is not a valid spec (see its own errors).");
                    return null;
                }
                if (ReportDuplicates(parentRoot, new DiagnosticBag()))
                {
                    diagnostics.Add(DiagnosticDescriptors.ExtendsNotFound, extends.Value.Span, $"'extends' names \"{target.Value}\", which is not a valid spec (see its own errors).");
                    return null;
                }
                current = parent;
            }

            var merged = new Dictionary<string, JsonProperty>(StringComparer.Ordinal);
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                var builtIn = i > 0 && builtIns.Contains(visited[i]);
                foreach (var property in chain[i].Properties)
                {
                    var inheritable = i == 0 || (property.Name != HeaderFields.Name && property.Name != HeaderFields.Abstract && property.Name != HeaderFields.Extends
                                                 && !(builtIn && (property.Name == HeaderFields.Namespace || property.Name == HeaderFields.Description)));
                    if (inheritable)
                        merged[property.Name] = property;
                }
            }
            return merged;
        }

        /// <summary>
        /// MG0012 for a path no AdditionalFile has. The generator cannot look at the disk, so the message covers the
        /// three reasons a file that exists is still not seen: its name, its folder, or the project's includes.
        /// </summary>
        private static string MissingSpecFile(string reference, string targetPath, string projectDirectory)
        {
            var shown = RelativeSpecPath(targetPath, projectDirectory);
            var start = $"'extends' names \"{reference}\", but no spec file of this project is at {shown}.";
            if (!targetPath.EndsWith(ModelSpecGenerator.SpecSuffix, StringComparison.OrdinalIgnoreCase))
                return $"{start} Only files ending in {ModelSpecGenerator.SpecSuffix} are specs: name the file (and 'extends') with that suffix.";
            var include = $"<AdditionalFiles Include=\"{shown}\" />";
            var directory = projectDirectory.Length == 0 ? "" : Normalize(projectDirectory).TrimEnd('/') + "/";
            return directory.Length > 0 && !targetPath.StartsWith(directory, StringComparison.Ordinal)
                ? $"{start} If the file exists, it is outside the project folder, where the ModelGen package does not look for specs: add {include} to the project file."
                : $"{start} If the file exists, it is not among the project's AdditionalFiles (the ModelGen package adds every **/*{ModelSpecGenerator.SpecSuffix} of the project folder unless ModelGenIncludeSpecs is false or an Exclude removes it): add {include} to the project file.";
        }

        private static string UnknownBuiltIn(string reference, IEnumerable<string> paths, BuiltInSpecs builtIns)
        {
            if (!builtIns.Available)
                return $"'extends' names \"{reference}\", a built-in spec of the ModelGen package, but this project has none: reference the ModelGen package, whose build files give the generator its specs (ModelGenBuiltInSpecsDirectory).";
            var known = builtIns.References(paths).ToList();
            var suggestion = NameSuggestions.Closest(reference, known);
            return suggestion is null
                ? $"'extends' names \"{reference}\", but the ModelGen package has no such spec; the built-in specs are {string.Join(", ", known)}."
                : $"'extends' names \"{reference}\", but the ModelGen package has no such spec. Did you mean \"{suggestion}\"?";
        }

        private static ModelHeader? BindHeader(JsonObject root, IReadOnlyDictionary<string, JsonProperty> merged, string path, GeneratorOptions options, DiagnosticBag diagnostics)
        {
            var known = ModelFamilies.All.Select(f => f.Name).Concat(new[] { DistillationFamily.Name }).ToList();
            var name = RequiredString(root, merged, HeaderFields.Name, "the C# class name to generate, e.g. \"SamVitB\"", diagnostics);
            var familyName = RequiredString(root, merged, HeaderFields.Family, $"one of {KnownFamilies()}", diagnostics);
            var ns = OptionalString(merged, HeaderFields.Namespace, diagnostics);
            var description = OptionalString(merged, HeaderFields.Description, diagnostics);
            OptionalString(merged, HeaderFields.Schema, diagnostics);

            if (name is not null && !IsIdentifier(name.Value))
            {
                diagnostics.Add(DiagnosticDescriptors.InvalidName, name.Span, SyntaxFacts.GetKeywordKind(name.Value) != SyntaxKind.None
                    ? $"'{name.Value}' is a C# keyword; choose another class name, e.g. '{char.ToUpperInvariant(name.Value[0])}{name.Value.Substring(1)}Model'."
                    : $"'{name.Value}' is not a valid C# class name; use letters, digits and '_', not starting with a digit.");
                name = null;
            }
            if (ns is not null && !ns.Value.Split('.').All(IsIdentifier))
            {
                diagnostics.Add(DiagnosticDescriptors.InvalidNamespace, ns.Span, $"'{ns.Value}' is not a valid C# namespace; use dot-separated identifiers such as \"MyCompany.Models\".");
                ns = null;
            }
            if (familyName is not null && !known.Contains(familyName.Value))
            {
                var suggestion = NameSuggestions.Closest(familyName.Value, known);
                diagnostics.Add(DiagnosticDescriptors.UnknownFamily, familyName.Span, $"'{familyName.Value}' is not a known family; the known families are {KnownFamilies()}.{(suggestion is null ? "" : $" Did you mean \"{suggestion}\"?")}");
                familyName = null;
            }
            if (name is null || familyName is null || diagnostics.HasErrors)
                return null;

            var rootNamespace = options.RootNamespace.Length > 0 ? options.RootNamespace : GeneratorOptions.FallbackNamespace;
            return new ModelHeader(name.Value, ns?.Value ?? rootNamespace, familyName.Value, description?.Value ?? "", RelativeSpecPath(path, options.ProjectDirectory), name.Span);
        }

        private static JsonString? RequiredString(JsonObject root, IReadOnlyDictionary<string, JsonProperty> merged, string field, string what, DiagnosticBag diagnostics)
        {
            if (!merged.TryGetValue(field, out var property))
            {
                diagnostics.Add(DiagnosticDescriptors.MissingField, new SourceSpan(root.Span.Path, root.Span.Start, 1, root.Span.StartLine, root.Span.StartColumn, root.Span.StartLine, root.Span.StartColumn + 1), $"A spec requires '{field}': {what}.");
                return null;
            }
            if (property.Value is JsonString text && text.Value.Length > 0)
                return text;
            diagnostics.Add(DiagnosticDescriptors.WrongType, property.Value.Span, $"'{field}' must be a non-empty string: {what}.");
            return null;
        }

        private static JsonString? OptionalString(IReadOnlyDictionary<string, JsonProperty> merged, string field, DiagnosticBag diagnostics)
        {
            if (!merged.TryGetValue(field, out var property))
                return null;
            if (property.Value is JsonString text)
                return text;
            diagnostics.Add(DiagnosticDescriptors.WrongType, property.Value.Span, $"'{field}' must be a string.");
            return null;
        }

        /// <summary>
        /// Rejects a spec whose types clash with an earlier spec's: the class or its config record
        /// (<c>A</c> and <c>AConfig</c> clash with a spec named <c>AConfig</c>), or a class name
        /// that differs only in case (generated file names are compared ignoring case). The same name
        /// in two namespaces of one project is refused too: <c>ModelZoo.Create(name)</c> would be
        /// ambiguous for the project's own variants.
        /// </summary>
        private static IEnumerable<SpecOutcome> ReportDuplicateTypes(List<SpecOutcome> outcomes, Dictionary<string, string> builtInNames)
        {
            var byName = new Dictionary<string, ModelHeader>(StringComparer.OrdinalIgnoreCase);
            var byType = new Dictionary<string, ModelHeader>(StringComparer.Ordinal);
            foreach (var outcome in outcomes)
            {
                if (outcome.Unit is null)
                {
                    yield return outcome;
                    continue;
                }

                var header = outcome.Unit.Header;
                var types = new[] { header.Name, ConfigRecordEmitter.TypeName(header) }.Select(t => header.Namespace + "." + t).ToList();
                var message = builtInNames.TryGetValue(header.Name, out var builtIn)
                    ? $"'{header.Name}' is the name of the built-in variant {builtIn} of the ModelGen package; ModelZoo.Create finds variants by class name and the library already has this one, so give the spec another 'name'."
                    : Clash(header, byName, byType, types);
                if (message is null)
                {
                    byName[header.Name] = header;
                    foreach (var type in types)
                        byType[type] = header;
                    yield return outcome;
                    continue;
                }

                var bag = new DiagnosticBag();
                bag.Add(DiagnosticDescriptors.DuplicateName, header.NameSpan, message);
                yield return new SpecOutcome(outcome.Path, outcome.Diagnostics.Concat(bag.ToEquatableArray()).ToEquatableArray(), null);
            }
        }

        private static string? Clash(ModelHeader header, Dictionary<string, ModelHeader> byName, Dictionary<string, ModelHeader> byType, List<string> types)
        {
            if (byName.TryGetValue(header.Name, out var first))
            {
                if (first.Name != header.Name)
                    return $"'{header.Name}' differs only in case from '{first.Name}', generated from {first.SpecPath}; generated file names ignore case, so give one of the specs another 'name'.";
                return first.Namespace == header.Namespace
                    ? $"'{header.Namespace}.{header.Name}' is already generated from {first.SpecPath}; give one of the specs another 'name'."
                    : $"'{header.Name}' is already generated from {first.SpecPath} (in namespace {first.Namespace}); ModelZoo.Create finds variants by class name, so give one of the specs another 'name'.";
            }
            foreach (var type in types)
                if (byType.TryGetValue(type, out first))
                    return $"'{type}' is already generated from {first.SpecPath} (spec '{first.Name}' generates {first.Name} and {ConfigRecordEmitter.TypeName(first)}); give one of the specs another 'name'.";
            return null;
        }

        private static bool IsIdentifier(string text) =>
            SyntaxFacts.IsValidIdentifier(text) && SyntaxFacts.GetKeywordKind(text) == SyntaxKind.None;

        private static string KnownFamilies() => string.Join(", ", ModelFamilies.All.Select(f => f.Name).Concat(new[] { DistillationFamily.Name }).Select(f => $"\"{f}\""));

        internal static string Normalize(string path)
        {
            try
            {
                return Path.GetFullPath(path).Replace('\\', '/');
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                return path.Replace('\\', '/');
            }
        }

        internal static string RelativeSpecPath(string path, string projectDirectory)
        {
            var file = Normalize(path);
            if (projectDirectory.Length == 0)
                return Path.GetFileName(file);
            var directory = Normalize(projectDirectory).TrimEnd('/') + "/";
            try
            {
                var relative = new Uri("file://" + directory).MakeRelativeUri(new Uri("file://" + file));
                return Uri.UnescapeDataString(relative.OriginalString);
            }
            catch (UriFormatException)
            {
                return Path.GetFileName(file);
            }
        }
    }
}
