using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// Writes <c>&lt;Name&gt;Config</c>: one init-only property per family field, PascalCase of the
    /// upstream name, initialised to the spec's value, and <c>Default</c> holding those values.
    /// </summary>
    internal static class ConfigRecordEmitter
    {
        public static string TypeName(ModelHeader header) => header.Name + "Config";

        public static void Emit(SourceWriter writer, GenerationUnit unit, IReadOnlyList<FieldDefinition> fields)
        {
            var header = unit.Header;
            var type = TypeName(header);
            writer.Line($"/// <summary>The configuration <see cref=\"{header.Name}\"/> was generated from ({CSharpLiterals.XmlText(header.SpecPath)}).</summary>");
            writer.Open($"public sealed record {type} : IModelConfig");
            writer.Line("/// <summary>The values written in the spec, with the family's defaults for the rest.</summary>");
            writer.Line($"public static {type} Default {{ get; }} = new {type}();");
            writer.Line();
            writer.Line($"public string Name => {CSharpLiterals.String(header.Name)};");
            writer.Line();
            writer.Line($"public string Family => {CSharpLiterals.String(header.Family)};");
            writer.Line();
            writer.Line($"public string SpecPath => {CSharpLiterals.String(header.SpecPath)};");
            EmitProperties(writer, unit.Fields, fields);
            writer.Close();
        }

        private static void EmitProperties(SourceWriter writer, BoundObject values, IReadOnlyList<FieldDefinition> fields)
        {
            foreach (var field in fields.Where(f => f.Kind != FieldKind.ObjectMap))
            {
                var property = CSharpLiterals.Pascal(field.JsonName);
                var has = values.Has(field.JsonName);
                writer.Line();
                writer.Line($"/// <summary>{CSharpLiterals.XmlText(field.Description)} (spec field <c>{field.JsonName}</c>).</summary>");
                if (field.Kind == FieldKind.Object)
                {
                    var nested = property + "Config";
                    writer.Line($"public {nested}{(has ? "" : "?")} {property} {{ get; init; }}{(has ? $" = new {nested}();" : "")}");
                    writer.Line();
                    writer.Open($"public sealed record {nested}");
                    if (has)
                        EmitProperties(writer, values.Object(field.JsonName), field.Children);
                    writer.Close();
                    continue;
                }

                var type = TypeOf(field) + (has ? "" : "?");
                var initializer = has ? " = " + Literal(field.Kind, values.Get(field.JsonName).Value) + ";" : "";
                writer.Line($"public {type} {property} {{ get; init; }}{initializer}");
            }
        }

        private static string TypeOf(FieldDefinition field) => field.Kind switch
        {
            FieldKind.Integer => "int",
            FieldKind.Number => "double",
            FieldKind.Boolean => "bool",
            FieldKind.IntegerList => "global::System.Collections.Generic.IReadOnlyList<int>",
            FieldKind.StringList => "global::System.Collections.Generic.IReadOnlyList<string>",
            FieldKind.NumberList => "global::System.Collections.Generic.IReadOnlyList<double>",
            _ => "string",
        };

        private static string Literal(FieldKind kind, object value) => kind switch
        {
            FieldKind.Integer => CSharpLiterals.Integer((long)value),
            FieldKind.Number => CSharpLiterals.Number((double)value),
            FieldKind.Boolean => CSharpLiterals.Boolean((bool)value),
            FieldKind.IntegerList => CSharpLiterals.IntegerArray((EquatableArray<long>)value),
            FieldKind.StringList => CSharpLiterals.StringArray((EquatableArray<string>)value),
            FieldKind.NumberList => CSharpLiterals.NumberArray((EquatableArray<double>)value),
            _ => CSharpLiterals.String((string)value),
        };
    }
}
