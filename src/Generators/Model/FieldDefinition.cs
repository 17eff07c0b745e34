using System.Collections.Generic;
using System.Collections.Immutable;

namespace ModelGen.Generators.Model
{
    /// <summary>
    /// One field a family accepts: its JSON name (the upstream constructor argument in camelCase),
    /// its type, its default (null when the field is required) and the range every value must be in.
    /// The generator, the JSON schema and the docs are all derived from these.
    /// </summary>
    internal sealed class FieldDefinition
    {
        public FieldDefinition(string jsonName, FieldKind kind, string description)
        {
            JsonName = jsonName;
            Kind = kind;
            Description = description;
        }

        public string JsonName { get; }

        public FieldKind Kind { get; }

        public string Description { get; }

        /// <summary>The default as a bound value (long, double, bool, string, long[]); null means required.</summary>
        public object? Default { get; private set; }

        /// <summary>True when the field may be left out and has no value then (e.g. "one of two ways").</summary>
        public bool Optional { get; private set; }

        public long MinInteger { get; private set; } = 1;

        public long MaxInteger { get; private set; } = 1 << 20;

        public double MinNumber { get; private set; } = double.Epsilon;

        public double MaxNumber { get; private set; } = 1e6;

        /// <summary>For lists: the exact number of items, or null when any non-empty length is fine.</summary>
        public int? Length { get; private set; }

        public ImmutableArray<string> Choices { get; private set; } = ImmutableArray<string>.Empty;

        public ImmutableArray<FieldDefinition> Children { get; private set; } = ImmutableArray<FieldDefinition>.Empty;

        /// <summary>For a tagged object: its kinds, each with the fields it takes beside <c>kind</c>.</summary>
        public ImmutableArray<FieldAlternative> Alternatives { get; private set; } = ImmutableArray<FieldAlternative>.Empty;

        /// <summary>True when JSON <c>null</c> is a value of the field (bound as <see cref="NullValue"/>).</summary>
        public bool AllowsNull { get; private set; }

        public bool Required => Default is null && !Optional;

        public FieldDefinition WithDefault(object value)
        {
            Default = value;
            return this;
        }

        public FieldDefinition AsOptional()
        {
            Optional = true;
            return this;
        }

        public FieldDefinition InRange(long min, long max)
        {
            MinInteger = min;
            MaxInteger = max;
            return this;
        }

        public FieldDefinition InRange(double min, double max)
        {
            MinNumber = min;
            MaxNumber = max;
            return this;
        }

        public FieldDefinition WithLength(int length)
        {
            Length = length;
            return this;
        }

        public FieldDefinition WithChoices(params string[] choices)
        {
            Choices = choices.ToImmutableArray();
            return this;
        }

        /// <summary>The kinds of a tagged object; its default (<see cref="WithDefault"/>) is the kind a left-out object has.</summary>
        public FieldDefinition WithAlternatives(params FieldAlternative[] alternatives)
        {
            Alternatives = alternatives.ToImmutableArray();
            return this;
        }

        public FieldDefinition AllowingNull()
        {
            AllowsNull = true;
            return this;
        }

        public FieldDefinition WithChildren(IEnumerable<FieldDefinition> children)
        {
            Children = children.ToImmutableArray();
            return this;
        }
    }
}
