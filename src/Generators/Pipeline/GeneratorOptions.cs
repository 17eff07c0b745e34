namespace ModelGen.Generators.Pipeline
{
    /// <summary>The consuming project's MSBuild properties the generator reads.</summary>
    internal sealed record GeneratorOptions(string RootNamespace, string ProjectDirectory)
    {
        public const string FallbackNamespace = "ModelGen.Generated";
    }
}
