namespace ModelGen.Generators.Model
{
    internal enum FieldKind
    {
        Integer,
        Number,
        Boolean,
        String,
        /// <summary>A string restricted to <see cref="FieldDefinition.Choices"/>.</summary>
        Choice,
        IntegerList,
        /// <summary>A nested object with its own <see cref="FieldDefinition.Children"/>.</summary>
        Object,
    }
}
