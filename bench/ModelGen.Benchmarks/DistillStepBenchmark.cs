using ModelGen.Training.Compositions;
using ModelGen.Training.Distillation;
using ModelGen.Training.Optim;
using ModelGen.Training.Schedules;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// One step of the RWKV-SAM distillation at its input size (1024²) as a session runs it from a feature cache: the
/// composition <see cref="RwkvSamVitHVitaminSmallMlp2"/> built without its teacher, random tensors of the student
/// neck's output shape standing for the cached SAM ViT-H features, and <see cref="DistillationTrainer.Step"/>'s two halves
/// (student and neck forward, MSE and backward; then gradient clipping, AdamW, zeroing and the schedule) with the
/// composition's recipe.
/// </summary>
/// <remarks>
/// Usage: <c>distill-step [--checkpointing off,on] [--repeats 3] [--warmup 1] [--batch 1] [--side N] [--quick]
/// [--threads N] [--out folder]</c>; <c>--quick</c> runs at 256² with one repeat.
/// </remarks>
public static class DistillStepBenchmark
{
    private const int QuickSide = 256;

    public static void Run(string[] args)
    {
        StepMeasurement.Prepare();
        var quick = args.Contains("--quick");
        var modes = StepMeasurement.CheckpointingModes(args);
        var repeats = StepMeasurement.IntOption(args, "--repeats", quick ? 1 : 3);
        var warmup = StepMeasurement.IntOption(args, "--warmup", 1);
        var batch = StepMeasurement.IntOption(args, "--batch", 1);
        if (Array.IndexOf(args, "--threads") >= 0)
            set_num_threads(StepMeasurement.IntOption(args, "--threads", 0));

        using var composition = new RwkvSamVitHVitaminSmallMlp2(withTeacher: false);
        var side = StepMeasurement.IntOption(args, "--side", quick ? QuickSide : composition.Spec.Input.Height);
        Console.WriteLine($"distill-step {composition.Name}: torch threads {get_num_threads()}, repeats {repeats}, warm-up {warmup}, batch {batch}, load {StepMeasurement.LoadAverage()}");
        var model = composition.Model;
        var recipe = composition.Spec.Recipe;
        using var optimizer = new AdamWOptimizer(ParameterGroups.Build(model, recipe.WeightDecay, new ParamwiseOptions(recipe.NormDecayMult)),
            new AdamWOptions(recipe.LearningRate, recipe.WeightDecay, recipe.Beta1, recipe.Beta2, recipe.Eps));
        var schedule = LrSchedule.LinearWarmupCosine(optimizer.LearningRates, recipe.WarmupStartFactor, recipe.WarmupIterations, recipe.Epochs, 1000, recipe.EtaMinRatio);
        var trainer = new DistillationTrainer(model, optimizer, schedule, recipe.MaxGradNorm);
        trainer.BeginEpoch();
        using var images = randn(batch, 3, side, side, generator: new Generator(1));
        using var targets = TeacherStandIn(model, images);

        var results = new List<StepResult>();
        foreach (var checkpointing in modes)
        {
            model.Student.GradCheckpointing = checkpointing;
            results.Add(StepMeasurement.Measure("distill-step", composition.Name, side, batch, checkpointing, warmup, repeats,
                () => trainer.ComputeGradients(images, targets), () => trainer.ApplyGradients()));
        }
        StepMeasurement.Report(results, StepMeasurement.Option(args, "--out", "") is { Length: > 0 } folder ? folder : null, "distill-step.csv");
    }

    /// <summary>Random features of the shape the student's neck gives, as the teacher's cached ones have.</summary>
    private static Tensor TeacherStandIn(BackboneDistillation model, Tensor images)
    {
        using var noGrad = no_grad();
        using var student = model.StudentFeatures(images);
        return randn(student.shape, generator: new Generator(2));
    }
}
