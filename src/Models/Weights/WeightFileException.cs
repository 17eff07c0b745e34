namespace ModelGen.Models.Weights;

/// <summary>A weight file that cannot be read: missing, unreadable, not of a supported format, malformed or unsafe.</summary>
public sealed class WeightFileException : IOException
{
    public WeightFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file, as given.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, as one sentence.</summary>
    public string Problem { get; }
}
