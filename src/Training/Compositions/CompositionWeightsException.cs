namespace ModelGen.Training.Compositions;

/// <summary>A file does not fit a composition (a part absent, or a part's weights incomplete or of other shapes); nothing was loaded.</summary>
public sealed class CompositionWeightsException : Exception
{
    public CompositionWeightsException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
    }

    public string Path { get; }
}
