namespace ModelGen.Cli;

/// <summary>The options of <c>distill</c>, as parsed and not yet checked; unset numbers come from the composition's recipe.</summary>
/// <param name="Cache">The teacher's feature cache; <c>&lt;out&gt;/cache</c> when null.</param>
/// <param name="DType">float32 or float64.</param>
/// <param name="NoClipping">Train without gradient clipping (the recipe's <c>maxGradNorm</c> otherwise, or <paramref name="MaxGradNorm"/>).</param>
/// <param name="NoLrScaling">Do not scale the learning rate to the batch size (<c>auto_scale_lr</c> off).</param>
/// <param name="GradCheckpointing">Checkpoint the student's activations per block (less memory, slower steps).</param>
internal sealed record DistillOptions(
    string Composition,
    DirectoryInfo Images,
    DirectoryInfo Output,
    DirectoryInfo? Cache = null,
    int? Epochs = null,
    int? BatchSize = null,
    double? LearningRate = null,
    int? Warmup = null,
    int? MaxIterations = null,
    int? CheckpointEvery = null,
    bool Resume = false,
    int Seed = 0,
    FileInfo? StudentWeights = null,
    FileInfo? TeacherWeights = null,
    bool NoPretrained = false,
    string DType = "float32",
    double? WeightDecay = null,
    double? MaxGradNorm = null,
    bool NoClipping = false,
    double? WarmupFactor = null,
    double? EtaMinRatio = null,
    int? BaseBatchSize = null,
    bool NoLrScaling = false,
    bool GradCheckpointing = false)
{
    /// <summary>Iterations between checkpoints when <c>--checkpoint-every</c> is not given.</summary>
    public const int DefaultCheckpointEvery = 1000;

    /// <summary>The student and neck as <c>torch.save({'state_dict': ...})</c>, for mmengine's <c>init_cfg=dict(type='Pretrained', ...)</c>, which reads no safetensors.</summary>
    public const string StudentPthFile = "student.pth";

    /// <summary>The loss curve's file name in the output folder.</summary>
    public const string LossCurveFile = "loss.png";
}
