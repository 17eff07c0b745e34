namespace ModelGen.Generators.Pipeline
{
    /// <summary>The spec fields every family shares.</summary>
    internal static class HeaderFields
    {
        public const string Schema = "$schema";
        public const string Name = "name";
        public const string Namespace = "namespace";
        public const string Family = "family";
        public const string Description = "description";
        public const string Extends = "extends";
        public const string Abstract = "abstract";

        public static readonly string[] All = { Schema, Name, Namespace, Family, Description, Extends, Abstract };
    }
}
