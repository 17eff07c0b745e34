using System;
using System.Linq;

namespace ModelGen.Generators.Model
{
    /// <summary>
    /// A field's value after type checking, with where it was written (the default's span is the
    /// spec's <c>family</c> value, since that is what brought the default in).
    /// Values: long, double, bool, string, EquatableArray&lt;long&gt;, EquatableArray&lt;string&gt;,
    /// EquatableArray&lt;double&gt;, BoundObject, EquatableArray&lt;BoundMapEntry&gt; or
    /// <see cref="NullValue"/>. A list written in
    /// the spec also keeps where each item was written, so a bad item can be pointed at.
    /// </summary>
    internal sealed record BoundValue(string Name, object Value, SourceSpan Span, bool IsDefault, EquatableArray<SourceSpan> ItemSpans = default)
    {
        public bool Equals(BoundValue? other) =>
            other is not null && Name == other.Name && IsDefault == other.IsDefault && Span == other.Span && Value.Equals(other.Value) && ItemSpans.Equals(other.ItemSpans);

        public override int GetHashCode() => (Name, Value, Span, IsDefault).GetHashCode();
    }

    /// <summary>The bound fields of a spec or of a nested object, by JSON name.</summary>
    internal sealed record BoundObject(EquatableArray<BoundValue> Values, SourceSpan Span)
    {
        public bool Has(string name) => Values.Any(v => v.Name == name);

        public BoundValue Get(string name) =>
            Values.FirstOrDefault(v => v.Name == name) ?? throw new InvalidOperationException($"Field '{name}' was not bound.");

        public SourceSpan SpanOf(string name) => Get(name).Span;

        /// <summary>Where item <paramref name="index"/> of a list was written; the field's span for a default list.</summary>
        public SourceSpan SpanOfItem(string name, int index)
        {
            var value = Get(name);
            return index < value.ItemSpans.Count ? value.ItemSpans[index] : value.Span;
        }

        public long Integer(string name) => (long)Get(name).Value;

        public double Number(string name) => (double)Get(name).Value;

        public bool Boolean(string name) => (bool)Get(name).Value;

        public string String(string name) => (string)Get(name).Value;

        public EquatableArray<long> Integers(string name) => (EquatableArray<long>)Get(name).Value;

        public BoundObject Object(string name) => (BoundObject)Get(name).Value;

        public EquatableArray<string> Strings(string name) => (EquatableArray<string>)Get(name).Value;

        public EquatableArray<double> Numbers(string name) => (EquatableArray<double>)Get(name).Value;

        public EquatableArray<BoundMapEntry> Map(string name) => (EquatableArray<BoundMapEntry>)Get(name).Value;

        /// <summary>The value of an optional or nullable number field, or null when it was left out or given as null.</summary>
        public double? OptionalNumber(string name) => Has(name) && Get(name).Value is double value ? value : (double?)null;

        /// <summary>The value of an optional or nullable integer field, or null when it was left out or given as null.</summary>
        public long? OptionalInteger(string name) => Has(name) && Get(name).Value is long value ? value : (long?)null;

        /// <summary>The string value of an optional field, or null when it was left out.</summary>
        public string? OptionalString(string name) => Has(name) ? String(name) : null;
    }
}
