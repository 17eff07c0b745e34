namespace ModelGen.Generators.Model
{
    /// <summary>One entry of an object-map field: its key, where the key was written, and its bound object.</summary>
    internal sealed record BoundMapEntry(string Key, SourceSpan KeySpan, BoundObject Value);
}
