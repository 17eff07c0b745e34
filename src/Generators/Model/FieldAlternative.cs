using System.Collections.Generic;

namespace ModelGen.Generators.Model
{
    /// <summary>One kind of a tagged-object field: the value of its <c>kind</c> and the fields that kind takes.</summary>
    internal sealed class FieldAlternative
    {
        public const string KindField = "kind";

        public FieldAlternative(string kind, string description, IReadOnlyList<FieldDefinition> fields)
        {
            Kind = kind;
            Description = description;
            Fields = fields;
        }

        public string Kind { get; }

        public string Description { get; }

        public IReadOnlyList<FieldDefinition> Fields { get; }
    }
}
