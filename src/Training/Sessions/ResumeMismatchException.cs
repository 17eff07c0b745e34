namespace ModelGen.Training.Sessions;

/// <summary>A resume was asked for under other settings than the run in the output folder was started with; nothing ran.</summary>
public sealed class ResumeMismatchException(string message) : InvalidOperationException(message);
