using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Json;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>Type-checks spec properties against a family's field definitions and fills in defaults.</summary>
    internal static class FieldBinder
    {
        /// <param name="properties">The spec's properties after inheritance, minus the header fields.</param>
        /// <param name="objectSpan">Where to report a missing field.</param>
        /// <param name="defaultSpan">The span defaults are attributed to.</param>
        /// <param name="knownNames">Every name that may stand at this level, for suggestions.</param>
        public static BoundObject? Bind(
            IReadOnlyList<FieldDefinition> definitions,
            IReadOnlyList<JsonProperty> properties,
            SourceSpan objectSpan,
            SourceSpan defaultSpan,
            IEnumerable<string> knownNames,
            string context,
            DiagnosticBag diagnostics)
        {
            var ok = true;
            var known = knownNames.ToList();
            foreach (var property in properties)
            {
                if (definitions.Any(d => d.JsonName == property.Name))
                    continue;
                var suggestion = NameSuggestions.Closest(property.Name, known);
                var hint = suggestion is null ? $" Known fields: {string.Join(", ", definitions.Select(d => d.JsonName))}." : $" Did you mean '{suggestion}'?";
                // Reported, but the known fields are still bound and checked, so one build shows every independent error.
                diagnostics.Add(DiagnosticDescriptors.UnknownField, property.NameSpan, $"'{property.Name}' is not a field of {context}.{hint}");
            }

            var values = new List<BoundValue>();
            foreach (var definition in definitions)
            {
                var property = properties.FirstOrDefault(p => p.Name == definition.JsonName);
                if (property is null)
                {
                    if (definition.Kind == FieldKind.TaggedObject && definition.Default is string kind)
                    {
                        // A left-out tagged object is its default kind with that kind's defaults.
                        var empty = BindTagged(definition, new JsonProperty[0], kind, null, defaultSpan, context, diagnostics);
                        if (empty is null)
                            ok = false;
                        else
                            values.Add(new BoundValue(definition.JsonName, empty, defaultSpan, IsDefault: true));
                    }
                    else if (definition.Default is not null)
                        values.Add(new BoundValue(definition.JsonName, definition.Default, defaultSpan, IsDefault: true));
                    else if (definition.Kind == FieldKind.Object && !definition.Optional && definition.Children.All(c => !c.Required))
                    {
                        // A left-out object whose fields all have defaults stands for the empty object.
                        var empty = Bind(definition.Children, new JsonProperty[0], defaultSpan, defaultSpan, definition.Children.Select(c => c.JsonName), $"'{definition.JsonName}' in {context}", diagnostics);
                        values.Add(new BoundValue(definition.JsonName, empty!, defaultSpan, IsDefault: true));
                    }
                    else if (definition.Required)
                    {
                        diagnostics.Add(DiagnosticDescriptors.MissingField, objectSpan, $"{context} requires '{definition.JsonName}' ({definition.Description}).");
                        ok = false;
                    }
                    continue;
                }

                var value = BindValue(definition, property.Value, context, diagnostics);
                if (value is null)
                    ok = false;
                else
                    values.Add(new BoundValue(definition.JsonName, value, property.Value.Span, IsDefault: false, ItemSpans(property.Value)));
            }

            return ok ? new BoundObject(values.ToEquatableArray(), objectSpan) : null;
        }

        private static object? BindValue(FieldDefinition definition, JsonNode node, string context, DiagnosticBag diagnostics)
        {
            if (node is JsonNull && definition.AllowsNull)
                return NullValue.Instance;
            switch (definition.Kind)
            {
                case FieldKind.Integer:
                    return Integer(definition, node, definition.JsonName, diagnostics);
                case FieldKind.Number:
                    if (node is not JsonNumber number)
                        return WrongType(definition, node, "a number", diagnostics);
                    var real = number.Value;
                    if (double.IsInfinity(real) || real < definition.MinNumber || real > definition.MaxNumber)
                    {
                        diagnostics.Add(DiagnosticDescriptors.OutOfRange, node.Span, $"'{definition.JsonName}' is {number.Text}; it must be between {Format(definition.MinNumber)} and {Format(definition.MaxNumber)}.");
                        return null;
                    }
                    return real;
                case FieldKind.Boolean:
                    return node is JsonBoolean boolean ? boolean.Value : WrongType(definition, node, "true or false", diagnostics);
                case FieldKind.String:
                    return node is JsonString text ? text.Value : WrongType(definition, node, "a string", diagnostics);
                case FieldKind.Choice:
                    if (node is not JsonString choice)
                        return WrongType(definition, node, $"one of the strings {Choices(definition)}", diagnostics);
                    if (definition.Choices.Contains(choice.Value))
                        return choice.Value;
                    var suggestion = NameSuggestions.Closest(choice.Value, definition.Choices);
                    diagnostics.Add(DiagnosticDescriptors.InvalidChoice, node.Span, $"'{definition.JsonName}' is \"{choice.Value}\"; it must be one of {Choices(definition)}.{(suggestion is null ? "" : $" Did you mean \"{suggestion}\"?")}");
                    return null;
                case FieldKind.IntegerList:
                    return IntegerList(definition, node, diagnostics);
                case FieldKind.StringList:
                    return StringList(definition, node, diagnostics);
                case FieldKind.NumberList:
                    return NumberList(definition, node, diagnostics);
                case FieldKind.ObjectMap:
                    return ObjectMap(definition, node, context, diagnostics);
                case FieldKind.Object:
                    if (node is not JsonObject nested)
                        return WrongType(definition, node, "an object", diagnostics);
                    var duplicates = SpecResolver.ReportDuplicates(nested, diagnostics);
                    var bound = Bind(definition.Children, nested.Properties.ToList(), nested.Span, nested.Span, definition.Children.Select(c => c.JsonName), $"'{definition.JsonName}' in {context}", diagnostics);
                    return duplicates ? null : bound;
                case FieldKind.TaggedObject:
                    return TaggedObject(definition, node, context, diagnostics);
                default:
                    return WrongType(definition, node, definition.Kind.ToString(), diagnostics);
            }
        }

        private static object? TaggedObject(FieldDefinition definition, JsonNode node, string context, DiagnosticBag diagnostics)
        {
            var kinds = string.Join(", ", definition.Alternatives.Select(a => $"\"{a.Kind}\""));
            if (node is not JsonObject tagged)
                return WrongType(definition, node, $"an object with a '{FieldAlternative.KindField}' ({kinds})", diagnostics);
            if (SpecResolver.ReportDuplicates(tagged, diagnostics))
                return null;
            var kindProperty = tagged.Find(FieldAlternative.KindField);
            string kind;
            if (kindProperty is null)
            {
                if (definition.Default is not string defaultKind)
                {
                    diagnostics.Add(DiagnosticDescriptors.MissingField, tagged.Span, $"'{definition.JsonName}' in {context} requires '{FieldAlternative.KindField}': one of {kinds}.");
                    return null;
                }
                kind = defaultKind;
            }
            else if (kindProperty.Value is not JsonString text)
            {
                diagnostics.Add(DiagnosticDescriptors.WrongType, kindProperty.Value.Span, $"'{FieldAlternative.KindField}' of '{definition.JsonName}' must be one of the strings {kinds}, not {Describe(kindProperty.Value)}.");
                return null;
            }
            else if (definition.Alternatives.All(a => a.Kind != text.Value))
            {
                var suggestion = NameSuggestions.Closest(text.Value, definition.Alternatives.Select(a => a.Kind));
                diagnostics.Add(DiagnosticDescriptors.InvalidChoice, text.Span, $"'{FieldAlternative.KindField}' of '{definition.JsonName}' is \"{text.Value}\"; it must be one of {kinds}.{(suggestion is null ? "" : $" Did you mean \"{suggestion}\"?")}");
                return null;
            }
            else
            {
                kind = text.Value;
            }
            return BindTagged(definition, tagged.Properties.ToList(), kind, kindProperty, tagged.Span, context, diagnostics);
        }

        /// <summary>
        /// Binds the fields of one kind. A field of another kind is reported as not taken by this one (rather than
        /// as unknown); the result starts with the <c>kind</c> itself.
        /// </summary>
        private static BoundObject? BindTagged(FieldDefinition definition, IReadOnlyList<JsonProperty> properties, string kind, JsonProperty? kindProperty, SourceSpan objectSpan, string context, DiagnosticBag diagnostics)
        {
            var alternative = definition.Alternatives.First(a => a.Kind == kind);
            var own = alternative.Fields.Select(f => f.JsonName).ToList();
            var taken = own.Count == 0 ? "no other field" : string.Join(", ", own.Select(n => $"'{n}'"));
            var rest = new List<JsonProperty>();
            foreach (var property in properties.Where(p => p.Name != FieldAlternative.KindField))
            {
                var others = definition.Alternatives.Where(a => a.Kind != kind && a.Fields.Any(f => f.JsonName == property.Name)).Select(a => a.Kind).ToList();
                if (own.Contains(property.Name) || others.Count == 0)
                    rest.Add(property);
                else
                    diagnostics.Add(DiagnosticDescriptors.UnknownField, property.NameSpan, $"'{property.Name}' is a field of {string.Join(" and ", others)}, not of \"{kind}\": {kind} takes {taken}. Remove it or change '{FieldAlternative.KindField}'.");
            }

            var bound = Bind(alternative.Fields, rest, objectSpan, objectSpan, own.Concat(new[] { FieldAlternative.KindField }), $"'{definition.JsonName}' of kind \"{kind}\" in {context}", diagnostics);
            if (bound is null)
                return null;
            var kindValue = new BoundValue(FieldAlternative.KindField, kind, kindProperty?.Value.Span ?? objectSpan, IsDefault: kindProperty is null);
            return new BoundObject(new[] { kindValue }.Concat(bound.Values).ToEquatableArray(), objectSpan);
        }

        private static object? StringList(FieldDefinition definition, JsonNode node, DiagnosticBag diagnostics)
        {
            if (node is not JsonArray array)
                return WrongType(definition, node, "a list of strings", diagnostics);
            var items = new List<string>();
            foreach (var item in array.Items)
            {
                if (item is JsonString text)
                    items.Add(text.Value);
                else
                    WrongType(definition, item, "a list of strings", diagnostics);
            }
            return items.Count == array.Items.Count ? items.ToEquatableArray() : null;
        }

        private static object? NumberList(FieldDefinition definition, JsonNode node, DiagnosticBag diagnostics)
        {
            var expected = definition.Length is int length ? $"a list of {length} numbers" : "a list of numbers";
            if (node is not JsonArray array)
                return WrongType(definition, node, expected, diagnostics);
            if (definition.Length is int exact && array.Items.Count != exact)
            {
                diagnostics.Add(DiagnosticDescriptors.WrongType, node.Span, $"'{definition.JsonName}' has {array.Items.Count} items; it must be {expected}.");
                return null;
            }
            var items = new List<double>();
            foreach (var item in array.Items)
            {
                if (item is not JsonNumber number)
                {
                    WrongType(definition, item, expected, diagnostics);
                    continue;
                }
                if (double.IsInfinity(number.Value) || number.Value < definition.MinNumber || number.Value > definition.MaxNumber)
                {
                    diagnostics.Add(DiagnosticDescriptors.OutOfRange, item.Span, $"'{definition.JsonName}' item {number.Text} must be between {Format(definition.MinNumber)} and {Format(definition.MaxNumber)}.");
                    continue;
                }
                items.Add(number.Value);
            }
            return items.Count == array.Items.Count ? items.ToEquatableArray() : null;
        }

        private static object? ObjectMap(FieldDefinition definition, JsonNode node, string context, DiagnosticBag diagnostics)
        {
            if (node is not JsonObject map)
                return WrongType(definition, node, "an object whose properties are named entries", diagnostics);
            if (SpecResolver.ReportDuplicates(map, diagnostics))
                return null;
            var entries = new List<BoundMapEntry>();
            var ok = true;
            foreach (var property in map.Properties)
            {
                if (property.Value is not JsonObject entry)
                {
                    diagnostics.Add(DiagnosticDescriptors.WrongType, property.Value.Span, $"'{definition.JsonName}' entry '{property.Name}' must be an object, not {Describe(property.Value)}.");
                    ok = false;
                    continue;
                }
                var duplicates = SpecResolver.ReportDuplicates(entry, diagnostics);
                var bound = Bind(definition.Children, entry.Properties.ToList(), entry.Span, entry.Span, definition.Children.Select(c => c.JsonName), $"'{definition.JsonName}' entry '{property.Name}' in {context}", diagnostics);
                if (bound is null || duplicates)
                    ok = false;
                else
                    entries.Add(new BoundMapEntry(property.Name, property.NameSpan, bound));
            }
            return ok ? entries.ToEquatableArray() : null;
        }

        private static object? IntegerList(FieldDefinition definition, JsonNode node, DiagnosticBag diagnostics)
        {
            var expected = definition.Length is int length ? $"a list of {length} integers" : "a list of integers";
            if (node is not JsonArray array)
                return WrongType(definition, node, expected, diagnostics);
            if (definition.Length is int exact && array.Items.Count != exact)
            {
                diagnostics.Add(DiagnosticDescriptors.WrongType, node.Span, $"'{definition.JsonName}' has {array.Items.Count} items; it must be {expected}.");
                return null;
            }
            if (array.Items.Count == 0)
            {
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, node.Span, $"'{definition.JsonName}' is empty; it must be {expected} with at least one item.");
                return null;
            }

            var items = new List<long>();
            var ok = true;
            foreach (var item in array.Items)
            {
                var value = Integer(definition, item, definition.JsonName + " item", diagnostics);
                if (value is long number) items.Add(number);
                else ok = false;
            }
            return ok ? items.ToEquatableArray() : null;
        }

        private static object? Integer(FieldDefinition definition, JsonNode node, string what, DiagnosticBag diagnostics)
        {
            if (node is not JsonNumber number || !number.IsInteger)
                return WrongType(definition, node, "an integer", diagnostics);
            if (!number.TryGetInt64(out var value) || value < definition.MinInteger || value > definition.MaxInteger)
            {
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, node.Span, $"'{what}' is {number.Text}; it must be an integer from {definition.MinInteger} to {definition.MaxInteger}.");
                return null;
            }
            return value;
        }

        private static EquatableArray<SourceSpan> ItemSpans(JsonNode node) =>
            node is JsonArray array ? array.Items.Select(item => item.Span).ToEquatableArray() : EquatableArray<SourceSpan>.Empty;

        private static object? WrongType(FieldDefinition definition, JsonNode node, string expected, DiagnosticBag diagnostics)
        {
            diagnostics.Add(DiagnosticDescriptors.WrongType, node.Span, $"'{definition.JsonName}' must be {expected}, not {Describe(node)}.");
            return null;
        }

        private static string Describe(JsonNode node) => node switch
        {
            JsonNumber number => $"the {node.KindName} {number.Text}",
            JsonString text => $"the string \"{text.Value}\"",
            JsonBoolean boolean => boolean.Value ? "true" : "false",
            _ => node.KindName == "array" || node.KindName == "object" ? "an " + node.KindName : node.KindName,
        };

        private static string Choices(FieldDefinition definition) => string.Join(", ", definition.Choices.Select(c => $"\"{c}\""));

        private static string Format(double value) => value == double.Epsilon ? "0 (exclusive)" : value.ToString("G", CultureInfo.InvariantCulture);
    }
}
