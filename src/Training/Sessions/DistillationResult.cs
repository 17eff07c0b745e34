namespace ModelGen.Training.Sessions;

/// <summary>What a session did.</summary>
/// <param name="Steps">The iterations this run trained (a resumed run's earlier ones are in the log, not here).</param>
/// <param name="Iteration">The iterations completed in all.</param>
/// <param name="ResumedFrom">The checkpoint the run continued from, or null.</param>
/// <param name="Cancelled">Whether the run stopped on cancellation, after its checkpoint.</param>
/// <param name="Checkpoint">The last checkpoint written.</param>
/// <param name="StudentWeights">The student and neck under upstream names; null when cancelled.</param>
/// <param name="TeacherImages">How many images the teacher ran on in this run.</param>
public sealed record DistillationResult(
    IReadOnlyList<DistillationStepRecord> Steps,
    int Iteration,
    string? ResumedFrom,
    bool Cancelled,
    string Checkpoint,
    string? StudentWeights,
    int TeacherImages);
