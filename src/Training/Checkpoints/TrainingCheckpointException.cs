namespace ModelGen.Training.Checkpoints;

/// <summary>A training checkpoint that cannot be resumed into the given trainer; the trainer was left unchanged.</summary>
public sealed class TrainingCheckpointException : Exception
{
    public TrainingCheckpointException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The checkpoint file.</summary>
    public string FilePath { get; }

    /// <summary>What does not fit, without the path.</summary>
    public string Problem { get; }
}
