namespace ModelGen.Generators.Model
{
    /// <summary>A family's renaming between its own state-dict names and another published layout (e.g. OVSAM's wrapper modules).</summary>
    internal sealed record AliasSchemeModel(string Name, string Description, EquatableArray<AliasRule> Rules);
}
