using System.Globalization;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Json
{
    /// <summary>A JSON value that remembers where it was written.</summary>
    internal abstract record JsonNode(SourceSpan Span)
    {
        /// <summary>The JSON type name used in diagnostics ("object", "integer", ...).</summary>
        public abstract string KindName { get; }
    }

    internal sealed record JsonObject(SourceSpan Span, EquatableArray<JsonProperty> Properties) : JsonNode(Span)
    {
        public override string KindName => "object";

        public JsonProperty? Find(string name)
        {
            foreach (var property in Properties)
                if (property.Name == name)
                    return property;
            return null;
        }
    }

    internal sealed record JsonProperty(string Name, SourceSpan NameSpan, JsonNode Value);

    internal sealed record JsonArray(SourceSpan Span, EquatableArray<JsonNode> Items) : JsonNode(Span)
    {
        public override string KindName => "array";
    }

    internal sealed record JsonString(SourceSpan Span, string Value) : JsonNode(Span)
    {
        public override string KindName => "string";
    }

    /// <summary>A number, kept as written so integers stay exact and floats round-trip.</summary>
    internal sealed record JsonNumber(SourceSpan Span, string Text) : JsonNode(Span)
    {
        public override string KindName => IsInteger ? "integer" : "number";

        public bool IsInteger => Text.IndexOfAny(new[] { '.', 'e', 'E' }) < 0;

        public bool TryGetInt64(out long value) =>
            long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

        /// <summary>The value; beyond double's range, infinity (.NET Framework's parser, which Visual Studio may host, throws there instead).</summary>
        public double Value => double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : Text.StartsWith("-", System.StringComparison.Ordinal) ? double.NegativeInfinity : double.PositiveInfinity;
    }

    internal sealed record JsonBoolean(SourceSpan Span, bool Value) : JsonNode(Span)
    {
        public override string KindName => "boolean";
    }

    internal sealed record JsonNull(SourceSpan Span) : JsonNode(Span)
    {
        public override string KindName => "null";
    }
}
