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
/// <param name="Recipe">The recipe to train by instead of the composition's (e.g. <c>Spec.Recipe with { WeightDecay = 0 }</c>); the values above override it in turn.</param>
/// <param name="GradCheckpointing">Checkpoint the student's activations per block (<see cref="Models.Backbones.IBackbone.GradCheckpointing"/>): less memory, about one more student forward a step, the same training. Not part of a run's settings: a resume may change it.</param>
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
    bool Resume = false,
    Compositions.DistillationRecipe? Recipe = null,
    bool GradCheckpointing = false)
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
        if (Recipe is { } recipe)
            problems.AddRange(RecipeProblems(recipe));
        return problems;
    }

    private static IEnumerable<string> RecipeProblems(Compositions.DistillationRecipe recipe)
    {
        static bool Positive(double value) => double.IsFinite(value) && value > 0;
        static bool NonNegative(double value) => double.IsFinite(value) && value >= 0;
        if (!Positive(recipe.LearningRate)) yield return $"the recipe's learning rate must be a positive number; got {recipe.LearningRate}";
        if (!NonNegative(recipe.WeightDecay)) yield return $"the weight decay must be zero or more; got {recipe.WeightDecay}";
        if (!NonNegative(recipe.NormDecayMult)) yield return $"the norm decay multiplier must be zero or more; got {recipe.NormDecayMult}";
        if (!(recipe.Beta1 is >= 0 and < 1) || !(recipe.Beta2 is >= 0 and < 1)) yield return $"the betas must be in [0, 1); got ({recipe.Beta1}, {recipe.Beta2})";
        if (!Positive(recipe.Eps)) yield return $"eps must be a positive number; got {recipe.Eps}";
        if (recipe.MaxGradNorm is { } norm && !Positive(norm)) yield return $"the maximum gradient norm must be a positive number; got {norm}";
        if (recipe.WarmupIterations < 1) yield return $"the recipe's warm-up must be at least 1 iteration; got {recipe.WarmupIterations}";
        if (!(recipe.WarmupStartFactor is > 0 and <= 1)) yield return $"the warm-up start factor must be in (0, 1]; got {recipe.WarmupStartFactor}";
        if (recipe.Epochs < 1) yield return $"the recipe's epochs must be at least 1; got {recipe.Epochs}";
        if (!(recipe.EtaMinRatio is >= 0 and <= 1)) yield return $"the final learning-rate ratio must be in [0, 1]; got {recipe.EtaMinRatio}";
        if (recipe.BatchSize < 1) yield return $"the recipe's batch size must be at least 1; got {recipe.BatchSize}";
        if (recipe.BaseBatchSize is < 1) yield return $"the base batch size must be at least 1; got {recipe.BaseBatchSize}";
    }
}
