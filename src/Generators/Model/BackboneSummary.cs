namespace ModelGen.Generators.Model
{
    /// <summary>
    /// A resolved backbone spec as other specs (distillation compositions) see it, small and equatable so it can
    /// cross the incremental pipeline: its class, where it comes from, its geometry and its pretrained tags and
    /// declared alias schemes.
    /// </summary>
    /// <param name="Reference">How a spec names it: <c>modelgen:sam/vit_h</c> for a built-in, else its path relative to the project.</param>
    /// <param name="NormalizedPath">The spec file's full path with forward slashes, for references by relative path.</param>
    internal sealed record BackboneSummary(
        string ClassName,
        string Namespace,
        string Family,
        string Reference,
        string NormalizedPath,
        bool IsBuiltIn,
        BackboneGeometry Geometry,
        EquatableArray<string> PretrainedTags,
        EquatableArray<string> AliasSchemes)
    {
        public string FullName => Namespace + "." + ClassName;
    }
}
