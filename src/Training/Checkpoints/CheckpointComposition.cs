using ModelGen.Training.Distillation;

namespace ModelGen.Training.Checkpoints;

/// <summary>
/// What a checkpoint was trained with: the classes of the four modules and the student's dtype. The frozen teacher's
/// weights are not stored, so its class is all that identifies it; a resume without the teacher (its features from a
/// cache) or with it continues either kind of run.
/// </summary>
/// <param name="Teacher">The teacher backbone's class; null when its features came with the batches (use_cache).</param>
internal sealed record CheckpointComposition(string Student, string StudentNeck, string? Teacher, string? TeacherNeck, string DType)
{
    public static CheckpointComposition Of(BackboneDistillation model) => new(
        model.Student.Module.GetType().Name,
        model.StudentNeck.GetType().Name,
        model.Teacher?.Module.GetType().Name,
        model.TeacherNeck?.GetType().Name,
        model.Student.Module.parameters().First().dtype.ToString());

    /// <summary>Each field that differs from <paramref name="actual"/>'s, as "what: recorded, actual".</summary>
    public IReadOnlyList<string> Differences(CheckpointComposition actual)
    {
        var differences = new List<string>();
        Compare(differences, "student", Student, actual.Student);
        Compare(differences, "student neck", StudentNeck, actual.StudentNeck);
        // A run may go on with or without its frozen teacher (built, or its features cached); only another one differs.
        if (Teacher is not null && actual.Teacher is not null)
        {
            Compare(differences, "teacher", Teacher, actual.Teacher);
            Compare(differences, "teacher neck", TeacherNeck, actual.TeacherNeck);
        }
        Compare(differences, "dtype", DType, actual.DType);
        return differences;
    }

    public override string ToString() =>
        $"{Student} + {StudentNeck} ({DType}), " + (Teacher is null ? "teacher features from the batches" : $"teacher {Teacher} + {TeacherNeck}");

    private static void Compare(List<string> differences, string what, string? recorded, string? actual)
    {
        if (recorded != actual)
            differences.Add($"{what} {recorded ?? "(none)"} in the checkpoint, {actual ?? "(none)"} here");
    }
}
