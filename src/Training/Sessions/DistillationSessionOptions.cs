using static TorchSharp.torch;

namespace ModelGen.Training.Sessions;

/// <summary>
/// What a <see cref="DistillationSession"/> runs, each unset value taken from the composition's recipe
/// (<see cref="Compositions.DistillationRecipe"/>, upstream's defaults).
/// </summary>
/// <param name="OutputFolder">Where checkpoints (<c>iter_N.safetensors</c>, <c>last_checkpoint</c>), <c>log.csv</c> and <c>student.safetensors</c> go.</param>
/// <param name="LearningRate">The base rate before the batch-size scaling (<c>auto_scale_lr</c>), which applies to it too.</param>
/// <param name="MaxIterations">Stop after this many iterations in all (resumed ones included), before the epochs are done; the schedule still spans the epochs.</param>
/// <param name="CheckpointInterval">Iterations between checkpoints (one is also written at the end and on cancellation).</param>
/// <param name="Seed">Seeds each epoch's data order (with the epoch).</param>
/// <param name="Resume">Continue from the checkpoint <c>last_checkpoint</c> names in the output folder.</param>
public sealed record DistillationSessionOptions(
    string OutputFolder,
    int? Epochs = null,
    int? BatchSize = null,
    double? LearningRate = null,
    int? WarmupIterations = null,
    int? MaxIterations = null,
    int CheckpointInterval = 1000,
    int Seed = 0,
    ScalarType DType = ScalarType.Float32,
    Device? Device = null,
    bool Resume = false)
{
    /// <summary>The log's file name in the output folder.</summary>
    public const string LogFile = "log.csv";

    /// <summary>The trained student and neck's file name in the output folder.</summary>
    public const string StudentFile = "student.safetensors";

    /// <summary>Why these options cannot run; empty when they can.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(OutputFolder)) problems.Add("the output folder is empty");
        if (Epochs is < 1) problems.Add($"the epochs must be at least 1; got {Epochs}");
        if (BatchSize is < 1) problems.Add($"the batch size must be at least 1; got {BatchSize}");
        if (LearningRate is { } lr && !(double.IsFinite(lr) && lr > 0)) problems.Add($"the learning rate must be a positive number; got {lr}");
        if (WarmupIterations is < 1) problems.Add($"the warm-up must be at least 1 iteration; got {WarmupIterations}");
        if (MaxIterations is < 1) problems.Add($"the maximum iterations must be at least 1; got {MaxIterations}");
        if (CheckpointInterval < 1) problems.Add($"the checkpoint interval must be at least 1 iteration; got {CheckpointInterval}");
        if (!is_floating_point(DType)) problems.Add($"the dtype must be floating point; got {DType}");
        return problems;
    }
}
