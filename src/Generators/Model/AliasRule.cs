namespace ModelGen.Generators.Model
{
    /// <summary>One renaming rule of an alias scheme: the module's own key or prefix, and the other layout's (null: that layout lacks it).</summary>
    internal sealed record AliasRule(string Own, string? Alias);
}
