using ModelGen.Models.Backbones;
using ModelGen.Training.Optim;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// One training step of a backbone at its native size (random weights, batch 1 by default): forward, the sum of the
/// mean squares of its outputs as the loss, backward, AdamW step (ModelGen.Training's, weight decay 0.05 off the
/// norms and biases as the recipes have it) and zeroing the gradients; with and without per-block activation
/// checkpointing (<see cref="IBackbone.GradCheckpointing"/>).
/// </summary>
/// <remarks>
/// Usage: <c>training-step [--variants SamVitB,OpenClipViTB16,...] [--checkpointing off,on] [--repeats 3] [--warmup 1]
/// [--batch 1] [--side N] [--quick] [--threads N] [--out folder]</c>. <c>--quick</c> runs each variant at a quarter of
/// its native side (rounded to what it accepts) with one repeat, to check the harness; <c>--side</c> sets one side
/// for all. Reports the median and fastest step after the warm-up steps.
/// </remarks>
public static class TrainingStepBenchmark
{
    private const string DefaultVariants = "SamVitB,OpenClipViTB16,OpenClipRN50,VitaminSmallTransformer,VitaminSmallRwkv";

    public static void Run(string[] args)
    {
        StepMeasurement.Prepare();
        var quick = args.Contains("--quick");
        var variants = StepMeasurement.Option(args, "--variants", DefaultVariants).Split(',');
        var modes = StepMeasurement.CheckpointingModes(args);
        var repeats = StepMeasurement.IntOption(args, "--repeats", quick ? 1 : 3);
        var warmup = StepMeasurement.IntOption(args, "--warmup", 1);
        var batch = StepMeasurement.IntOption(args, "--batch", 1);
        var side = StepMeasurement.IntOption(args, "--side", 0);
        if (Array.IndexOf(args, "--threads") >= 0)
            set_num_threads(StepMeasurement.IntOption(args, "--threads", 0));
        Console.WriteLine($"training-step: torch threads {get_num_threads()}, repeats {repeats}, warm-up {warmup}, batch {batch}, load {StepMeasurement.LoadAverage()}");

        var results = new List<StepResult>();
        foreach (var variant in variants)
        {
            using var backbone = ModelZoo.Create(variant);
            var sizes = backbone.InputSizes;
            var height = side > 0 ? side : quick ? QuickSide(sizes, sizes.NativeHeight) : sizes.NativeHeight;
            var width = side > 0 ? side : quick ? QuickSide(sizes, sizes.NativeWidth) : sizes.NativeWidth;
            using var optimizer = new AdamWOptimizer(ParameterGroups.Build(backbone.Module, 0.05, new ParamwiseOptions(0.0)), new AdamWOptions(1e-4, 0.05));
            using var images = randn(batch, 3, height, width, generator: new Generator(1));
            backbone.Module.train();
            foreach (var checkpointing in modes)
            {
                backbone.GradCheckpointing = checkpointing;
                results.Add(StepMeasurement.Measure("training-step", variant, height, batch, checkpointing, warmup, repeats,
                    () => Gradients(backbone, images), () => Update(optimizer)));
            }
        }
        StepMeasurement.Report(results, StepMeasurement.Option(args, "--out", "") is { Length: > 0 } folder ? folder : null, "training-step.csv");
    }

    private static void Gradients(IBackbone backbone, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var outputs = backbone.Forward(images);
        outputs.Select(o => o.square().mean()).Aggregate((a, b) => a + b).backward();
    }

    private static void Update(AdamWOptimizer optimizer)
    {
        optimizer.Step();
        optimizer.ZeroGrad();
    }

    private static int QuickSide(InputSizeRule sizes, int native) =>
        Math.Max(sizes.Smallest, native / 4 / sizes.Multiple * sizes.Multiple);
}
