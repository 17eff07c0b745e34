namespace ModelGen.Training.Compositions;

/// <summary>What <see cref="DistillationZoo"/> knows of a composition without building it.</summary>
/// <param name="Factory">Builds the composition; the argument says whether to build the teacher and its neck (false: its features come from a cache).</param>
public sealed record DistillationRegistration(Type CompositionType, DistillationSpec Spec, Func<bool, DistillationComposition> Factory)
{
    /// <summary>The class name, e.g. <c>Sam2ClipVitHRN50x16</c>.</summary>
    public string Name => CompositionType.Name;

    public string FullName => CompositionType.FullName ?? CompositionType.Name;
}
