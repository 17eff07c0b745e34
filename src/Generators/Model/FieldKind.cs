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
        /// <summary>A list of strings (possibly empty).</summary>
        StringList,
        /// <summary>A list of numbers in the field's range.</summary>
        NumberList,
        /// <summary>An object whose property names are free keys and whose values are objects of <see cref="FieldDefinition.Children"/>.</summary>
        ObjectMap,
        /// <summary>An object whose <c>kind</c> string chooses one of <see cref="FieldDefinition.Alternatives"/>, each with its own fields.</summary>
        TaggedObject,
    }
}
