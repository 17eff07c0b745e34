namespace ModelGen.Models.Backbones;

/// <summary>The values a variant was generated from; every generated config record implements it.</summary>
public interface IModelConfig
{
    /// <summary>The generated class name.</summary>
    string Name { get; }

    /// <summary>The spec family, e.g. <c>sam-vit</c>.</summary>
    string Family { get; }

    /// <summary>The spec file the variant was generated from, relative to its project.</summary>
    string SpecPath { get; }
}
