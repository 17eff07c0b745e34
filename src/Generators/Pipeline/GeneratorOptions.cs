namespace ModelGen.Generators.Pipeline
{
    /// <summary>The consuming project's MSBuild properties the generator reads.</summary>
    /// <param name="BuiltInSpecDirectory">The ModelGen package's specs folder (<c>ModelGenBuiltInSpecsDirectory</c>), or "" outside a package consumer.</param>
    internal sealed record GeneratorOptions(string RootNamespace, string ProjectDirectory, string BuiltInSpecDirectory)
    {
        public const string FallbackNamespace = "ModelGen.Generated";
    }
}
