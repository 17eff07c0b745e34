using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ModelGen.Generators.Families;
using ModelGen.Generators.Families.Distillation;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Schema
{
    /// <summary>
    /// Writes the JSON Schema (draft-07) that editors use to complete and check spec files. It is derived
    /// from the same field definitions the generator binds against, so the two cannot drift apart
    /// (a test compares the committed specs/model.schema.json with this output).
    /// </summary>
    internal static class SpecSchemaWriter
    {
        public static string Write(IReadOnlyList<IModelFamily> families)
        {
            var json = new StringBuilder();
            var w = new JsonWriter(json);
            w.Open();
            w.Property("$schema", "\"http://json-schema.org/draft-07/schema#\"");
            w.Property("$id", "\"https://modelgen.dev/model.schema.json\"");
            w.Property("title", "\"ModelGen model spec\"");
            w.Property("description", Quote("A backbone variant or a distillation composition for the ModelGen source generator: the shared fields, then the fields of its family."));
            w.Property("type", "\"object\"");
            w.OpenProperty("properties");
            WriteHeaderProperties(w, families);
            w.Close();
            w.OpenArrayProperty("allOf");
            foreach (var family in families)
                WriteFamily(w, families, family.Name, family.Fields);
            WriteFamily(w, families, DistillationFamily.Name, DistillationFamily.Fields);
            w.CloseArray();
            w.Close();
            return json.ToString();
        }

        private static void WriteFamily(JsonWriter w, IReadOnlyList<IModelFamily> families, string name, IReadOnlyList<FieldDefinition> fields)
        {
            w.OpenItem();
            w.Property("if", $"{{ \"properties\": {{ \"family\": {{ \"const\": {Quote(name)} }} }}, \"required\": [\"family\"] }}");
            w.OpenProperty("then");
            w.OpenProperty("properties");
            WriteHeaderProperties(w, families);
            foreach (var field in fields)
                WriteField(w, field);
            w.Close();
            w.Property("additionalProperties", "false");
            w.Close();
            w.Close();
        }

        private static void WriteHeaderProperties(JsonWriter w, IReadOnlyList<IModelFamily> families)
        {
            w.Property(HeaderFields.Schema, "{ \"type\": \"string\", \"description\": \"Path of this schema, for editors.\" }");
            w.Property(HeaderFields.Name, "{ \"type\": \"string\", \"pattern\": \"^[A-Za-z_][A-Za-z0-9_]*$\", \"description\": \"The C# class name to generate.\" }");
            w.Property(HeaderFields.Namespace, "{ \"type\": \"string\", \"pattern\": \"^[A-Za-z_][A-Za-z0-9_]*(\\\\.[A-Za-z_][A-Za-z0-9_]*)*$\", \"description\": \"Namespace of the generated types (default: the project's root namespace).\" }");
            w.Property(HeaderFields.Family, $"{{ \"enum\": [{string.Join(", ", families.Select(f => f.Name).Concat(new[] { DistillationFamily.Name }).Select(Quote))}], \"description\": \"The model family.\" }}");
            w.Property(HeaderFields.Description, "{ \"type\": \"string\", \"description\": \"One line for the generated class's documentation.\" }");
            w.Property(HeaderFields.Extends, "{ \"type\": \"string\", \"description\": \"Relative path of a spec whose fields this one inherits and overrides.\" }");
            w.Property(HeaderFields.Abstract, "{ \"type\": \"boolean\", \"description\": \"True for a base spec that generates no class.\" }");
        }

        private static void WriteField(JsonWriter w, FieldDefinition field)
        {
            if (field.Kind == FieldKind.Object)
            {
                w.OpenProperty(field.JsonName);
                w.Property("type", "\"object\"");
                w.Property("description", Quote(field.Description));
                w.OpenProperty("properties");
                foreach (var child in field.Children)
                    WriteField(w, child);
                w.Close();
                w.Property("additionalProperties", "false");
                w.Close();
                return;
            }
            if (field.Kind == FieldKind.TaggedObject)
            {
                WriteTaggedObject(w, field);
                return;
            }
            if (field.Kind == FieldKind.ObjectMap)
            {
                w.OpenProperty(field.JsonName);
                w.Property("type", "\"object\"");
                w.Property("description", Quote(field.Description));
                w.OpenProperty("additionalProperties");
                w.Property("type", "\"object\"");
                w.OpenProperty("properties");
                foreach (var child in field.Children)
                    WriteField(w, child);
                w.Close();
                var required = field.Children.Where(c => c.Required).Select(c => Quote(c.JsonName)).ToList();
                if (required.Count > 0)
                    w.Property("required", "[" + string.Join(", ", required) + "]");
                w.Property("additionalProperties", "false");
                w.Close();
                w.Close();
                return;
            }
            w.Property(field.JsonName, "{ " + string.Join(", ", Describe(field)) + " }");
        }

        /// <summary>One branch per kind: its <c>kind</c> constant and the fields it takes, nothing else.</summary>
        private static void WriteTaggedObject(JsonWriter w, FieldDefinition field)
        {
            w.OpenProperty(field.JsonName);
            w.Property("type", "\"object\"");
            w.Property("description", Quote(field.Description + (field.Default is string kind ? $" (default kind: {kind})" : " (required)")));
            if (field.Default is null)
                w.Property("required", $"[{Quote(FieldAlternative.KindField)}]");
            w.OpenArrayProperty("oneOf");
            foreach (var alternative in field.Alternatives)
            {
                w.OpenItem();
                w.OpenProperty("properties");
                w.Property(FieldAlternative.KindField, $"{{ \"const\": {Quote(alternative.Kind)}, \"description\": {Quote(alternative.Description)} }}");
                foreach (var child in alternative.Fields)
                    WriteField(w, child);
                w.Close();
                var required = alternative.Fields.Where(c => c.Required).Select(c => Quote(c.JsonName)).ToList();
                if (required.Count > 0)
                    w.Property("required", "[" + string.Join(", ", required) + "]");
                w.Property("additionalProperties", "false");
                w.Close();
            }
            w.CloseArray();
            w.Close();
        }

        private static IEnumerable<string> Describe(FieldDefinition field)
        {
            switch (field.Kind)
            {
                case FieldKind.Integer:
                    yield return field.AllowsNull ? "\"type\": [\"integer\", \"null\"]" : "\"type\": \"integer\"";
                    yield return $"\"minimum\": {field.MinInteger}";
                    yield return $"\"maximum\": {field.MaxInteger}";
                    break;
                case FieldKind.Number:
                    yield return field.AllowsNull ? "\"type\": [\"number\", \"null\"]" : "\"type\": \"number\"";
                    yield return field.MinNumber == double.Epsilon ? "\"exclusiveMinimum\": 0" : $"\"minimum\": {Number(field.MinNumber)}";
                    yield return $"\"maximum\": {Number(field.MaxNumber)}";
                    break;
                case FieldKind.Boolean:
                    yield return "\"type\": \"boolean\"";
                    break;
                case FieldKind.Choice:
                    yield return $"\"enum\": [{string.Join(", ", field.Choices.Select(Quote))}]";
                    break;
                case FieldKind.IntegerList:
                    yield return "\"type\": \"array\"";
                    yield return $"\"items\": {{ \"type\": \"integer\", \"minimum\": {field.MinInteger}, \"maximum\": {field.MaxInteger} }}";
                    if (field.Length is int length)
                    {
                        yield return $"\"minItems\": {length}";
                        yield return $"\"maxItems\": {length}";
                    }
                    else
                    {
                        yield return "\"minItems\": 1";
                    }
                    break;
                case FieldKind.StringList:
                    yield return "\"type\": \"array\"";
                    yield return "\"items\": { \"type\": \"string\" }";
                    break;
                case FieldKind.NumberList:
                    yield return "\"type\": \"array\"";
                    yield return $"\"items\": {{ \"type\": \"number\", {(field.MinNumber == double.Epsilon ? "\"exclusiveMinimum\": 0" : $"\"minimum\": {Number(field.MinNumber)}")}, \"maximum\": {Number(field.MaxNumber)} }}";
                    if (field.Length is int count)
                    {
                        yield return $"\"minItems\": {count}";
                        yield return $"\"maxItems\": {count}";
                    }
                    break;
                default:
                    yield return "\"type\": \"string\"";
                    break;
            }
            if (field.Default is not null)
                yield return $"\"default\": {DefaultJson(field.Default)}";
            yield return $"\"description\": {Quote(field.Description + (field.Required ? " (required)" : ""))}";
        }

        private static string DefaultJson(object value) => value switch
        {
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => Number(d),
            string s => Quote(s),
            EquatableArray<long> list => "[" + string.Join(", ", list.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]",
            EquatableArray<string> strings => "[" + string.Join(", ", strings.Select(Quote)) + "]",
            EquatableArray<double> numbers => "[" + string.Join(", ", numbers.Select(Number)) + "]",
            _ => "null",
        };

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        /// <summary>A minimal indenting writer for the schema's nested objects.</summary>
        private sealed class JsonWriter
        {
            private readonly StringBuilder _builder;
            private readonly Stack<bool> _first = new Stack<bool>();

            public JsonWriter(StringBuilder builder) => _builder = builder;

            public void Open()
            {
                _builder.Append('{');
                _first.Push(true);
            }

            public void OpenItem()
            {
                Separator();
                Open();
            }

            public void OpenProperty(string name)
            {
                Separator();
                _builder.Append(Quote(name)).Append(": ");
                Open();
            }

            public void OpenArrayProperty(string name)
            {
                Separator();
                _builder.Append(Quote(name)).Append(": [");
                _first.Push(true);
            }

            public void Property(string name, string valueJson)
            {
                Separator();
                _builder.Append(Quote(name)).Append(": ").Append(valueJson);
            }

            public void Close()
            {
                _first.Pop();
                NewLine(_first.Count);
                _builder.Append('}');
                if (_first.Count == 0)
                    _builder.Append('\n');
            }

            public void CloseArray()
            {
                _first.Pop();
                NewLine(_first.Count);
                _builder.Append(']');
            }

            private void Separator()
            {
                if (!_first.Pop())
                    _builder.Append(',');
                _first.Push(false);
                NewLine(_first.Count);
            }

            private void NewLine(int depth) => _builder.Append('\n').Append(' ', depth * 2);
        }
    }
}
