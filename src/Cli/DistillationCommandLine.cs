using System.CommandLine;

namespace ModelGen.Cli;

/// <summary>The <c>dump</c> and <c>distill</c> commands' options and actions; Ctrl-C cancels them through <see cref="Console.CancelKeyPress"/>.</summary>
internal static class DistillationCommandLine
{
    /// <param name="withProject">Runs the command after loading <c>--project</c>'s assembly, whose compositions then register too.</param>
    public static IEnumerable<Command> Build(TextWriter output, TextWriter error, StepProgress progress, Func<ParseResult, Func<int>, int> withProject)
    {
        var compositionArgument = new Argument<string>("composition") { Description = "The distillation composition's class name, e.g. Sam2ClipVitHRN50x16." };
        var imagesOption = new Option<DirectoryInfo>("--images") { Description = "A folder of PNG and JPEG images (read in file-name order; a file's stem keys its cache entry).", Required = true };
        var seedOption = new Option<int?>("--seed") { CustomParser = OptionParsers.WholeNumber, Description = "Seeds the data order each epoch and the initialisation of parts without weights (default: 0)." };
        var dtypeOption = new Option<string?>("--dtype") { Description = "float32 or float64 (default: float32)." };

        var dumpOut = new Option<DirectoryInfo>("--out") { Description = "The feature-cache folder to fill (upstream's <stem>_<model>_cache.pth files there are reused).", Required = true };
        var dumpWeights = new Option<FileInfo?>("--weights") { Description = "The teacher's weights: its own checkpoint (e.g. sam_vit_h_4b8939.pth) or a detector's (backbone_teacher.*)." };
        var dumpPretrained = new Option<bool>("--pretrained") { Description = "Load the teacher's declared pretrained weights (found in $MODELGEN_WEIGHTS or the user cache, else downloaded)." };
        var dumpFormat = new Option<string?>("--format") { Description = "modelgen: safetensors entries recording the teacher identity (stale ones are detected); upstream: the bare <stem>_<model>_cache.pth files upstream's LoadFeatFromFile reads (default: modelgen)." };
        var dump = new Command("dump", "Run a composition's frozen teacher and neck over an image folder into a feature cache; resumable.")
        {
            compositionArgument, imagesOption, dumpOut, dumpWeights, dumpPretrained, seedOption, dtypeOption, dumpFormat,
        };
        dump.SetAction(result => withProject(result, () => Cancellable(token => DistillationCommands.Dump(output, error, progress, new DumpOptions(
            result.GetValue(compositionArgument)!,
            result.GetValue(imagesOption)!,
            result.GetValue(dumpOut)!,
            result.GetValue(dumpWeights),
            result.GetValue(dumpPretrained),
            result.GetValue(seedOption) ?? 0,
            result.GetValue(dtypeOption) ?? "float32",
            result.GetValue(dumpFormat) ?? "modelgen"), token))));

        var outOption = new Option<DirectoryInfo>("--out") { Description = "The run's folder: checkpoints, log.csv, loss.png and student.safetensors.", Required = true };
        var cacheOption = new Option<DirectoryInfo?>("--cache") { Description = "The teacher's feature cache (default: <out>/cache); given, it is used even if the composition does not ask for one." };
        var epochsOption = new Option<int?>("--epochs") { CustomParser = OptionParsers.WholeNumber, Description = "Epochs (default: the recipe's)." };
        var batchOption = new Option<int?>("--batch-size") { CustomParser = OptionParsers.WholeNumber, Description = "Images per batch (default: the recipe's); the learning rate is scaled to it." };
        var lrOption = new Option<double?>("--lr") { CustomParser = OptionParsers.Number, Description = "Base learning rate before the batch-size scaling (default: the recipe's)." };
        var warmupOption = new Option<int?>("--warmup") { CustomParser = OptionParsers.WholeNumber, Description = "Warm-up iterations (default: the recipe's)." };
        var maxItersOption = new Option<int?>("--max-iters") { CustomParser = OptionParsers.WholeNumber, Description = "Stop after this many iterations in all (default: all the epochs')." };
        var checkpointOption = new Option<int?>("--checkpoint-every") { CustomParser = OptionParsers.WholeNumber, Description = $"Iterations between checkpoints (default: {DistillOptions.DefaultCheckpointEvery}); one is also written at the end and on Ctrl-C." };
        var resumeOption = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint in --out." };
        var studentWeightsOption = new Option<FileInfo?>("--student-weights") { Description = "A checkpoint to initialise the student from (its keys under the student's checkpoint prefix)." };
        var teacherWeightsOption = new Option<FileInfo?>("--teacher-weights") { Description = "The teacher's weights file, instead of its declared pretrained weights." };
        var noPretrainedOption = new Option<bool>("--no-pretrained") { Description = "Do not load declared pretrained weights (parts start from their initialisation)." };
        var weightDecayOption = new Option<double?>("--weight-decay") { CustomParser = OptionParsers.Number, Description = "AdamW's weight decay, 0 or more; none on normalisation layers as the recipe says (default: the recipe's)." };
        var maxGradNormOption = new Option<double?>("--max-grad-norm") { CustomParser = OptionParsers.Number, Description = "Clip the gradients' L2 norm to this (default: the recipe's)." };
        var noClippingOption = new Option<bool>("--no-clipping") { Description = "Train without gradient clipping." };
        var warmupFactorOption = new Option<double?>("--warmup-factor") { CustomParser = OptionParsers.Number, Description = "LinearLR's start factor, in (0, 1] (default: the recipe's)." };
        var etaMinRatioOption = new Option<double?>("--eta-min-ratio") { CustomParser = OptionParsers.Number, Description = "The cosine's final rate over the base rate, in [0, 1] (default: the recipe's)." };
        var baseBatchOption = new Option<int?>("--base-batch-size") { CustomParser = OptionParsers.WholeNumber, Description = "The batch size the learning rate is given for; it is scaled by batch size / this (default: the recipe's)." };
        var noLrScalingOption = new Option<bool>("--no-lr-scaling") { Description = "Do not scale the learning rate to the batch size." };
        var gradCheckpointingOption = new Option<bool>("--grad-checkpointing") { Description = "Keep only each student block's input in the forward and recompute the block in the backward: less memory for about one more student forward a step; the same training." };
        var distill = new Command("distill", "Distil a composition's teacher into its student over an image folder: checkpoints, CSV log, loss curve and the student under upstream names.")
        {
            compositionArgument, imagesOption, outOption, cacheOption, epochsOption, batchOption, lrOption, warmupOption, maxItersOption, checkpointOption,
            resumeOption, seedOption, studentWeightsOption, teacherWeightsOption, noPretrainedOption, dtypeOption,
            weightDecayOption, maxGradNormOption, noClippingOption, warmupFactorOption, etaMinRatioOption, baseBatchOption, noLrScalingOption,
            gradCheckpointingOption,
        };
        distill.SetAction(result => withProject(result, () => Cancellable(token => DistillationCommands.Distill(output, error, progress, new DistillOptions(
            result.GetValue(compositionArgument)!,
            result.GetValue(imagesOption)!,
            result.GetValue(outOption)!,
            result.GetValue(cacheOption),
            result.GetValue(epochsOption),
            result.GetValue(batchOption),
            result.GetValue(lrOption),
            result.GetValue(warmupOption),
            result.GetValue(maxItersOption),
            result.GetValue(checkpointOption),
            result.GetValue(resumeOption),
            result.GetValue(seedOption) ?? 0,
            result.GetValue(studentWeightsOption),
            result.GetValue(teacherWeightsOption),
            result.GetValue(noPretrainedOption),
            result.GetValue(dtypeOption) ?? "float32",
            result.GetValue(weightDecayOption),
            result.GetValue(maxGradNormOption),
            result.GetValue(noClippingOption),
            result.GetValue(warmupFactorOption),
            result.GetValue(etaMinRatioOption),
            result.GetValue(baseBatchOption),
            result.GetValue(noLrScalingOption),
            result.GetValue(gradCheckpointingOption)), token))));

        return [dump, distill];
    }

    /// <summary>Runs <paramref name="command"/> with a token that the first Ctrl-C cancels; a second one ends the process as usual.</summary>
    private static int Cancellable(Func<CancellationToken, int> command)
    {
        using var cancellation = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            return command(cancellation.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }
}
