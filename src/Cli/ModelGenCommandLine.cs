using System.CommandLine;

namespace ModelGen.Cli;

/// <summary>
/// The <c>modelgen</c> command line: parses, runs the command, and turns every failure into one
/// <c>modelgen: error: ...</c> line and an exit code of <see cref="ExitCodes"/> (with <c>--verbose</c>, the stack trace too).
/// </summary>
internal static class ModelGenCommandLine
{
    public static int Invoke(string[] args, TextWriter output, TextWriter error, StepProgress progress)
    {
        var verboseOption = new Option<bool>("--verbose") { Description = "On failure, print the stack trace too.", Recursive = true };
        var root = Build(output, error, progress);
        root.Options.Add(verboseOption);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"modelgen: error: {string.Join(" ", parsed.Errors.Select(e => e.Message))} (see 'modelgen --help')");
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return ErrorReport.Write(error, e, parsed.GetValue(verboseOption));
        }
    }

    private static RootCommand Build(TextWriter output, TextWriter error, StepProgress progress)
    {
        var nameArgument = new Argument<string>("name") { Description = "The backbone's class name, e.g. SamVitB (see 'list')." };
        var sizeOption = new Option<int?>("--size") { CustomParser = OptionParsers.WholeNumber, Description = $"Input side in pixels: one the variant's forward uses whole (see 'describe'), at most {ArgumentChecks.MaxSize} (default: the variant's native size)." };
        var imageOption = new Option<FileInfo?>("--image") { Description = "A PNG or JPEG to run on (default: the sample photograph shipped with the CLI)." };
        var patternOption = new Option<bool>("--pattern") { Description = "Run on a generated test pattern instead of the sample photograph." };
        var weightsOption = new Option<FileInfo?>("--weights") { Description = "Weights to load first: safetensors or a torch.save checkpoint (.pth / .bin, mmengine training checkpoints too)." };
        var prefixOption = new Option<string?>("--prefix") { Description = "Prefix of the backbone's keys in the weights file, e.g. image_encoder or backbone_student (default: detected)." };
        var aliasSchemeOption = new Option<string?>("--alias-scheme") { Description = "Read the file's names through this alias scheme of the variant, e.g. ovsam (default: detected)." };
        var pretrainedOption = new Option<string?>("--pretrained") { Description = "Load the variant's published weights with this tag first, e.g. sa1b or openai (see 'describe'); found in $MODELGEN_WEIGHTS or the user cache, else downloaded and verified." };
        var repeatOption = new Option<int?>("--repeat") { CustomParser = OptionParsers.WholeNumber, Description = $"Timed forward passes after one warm-up pass; 0 for the warm-up only (default: {RunOptions.DefaultRepeat})." };
        var threadsOption = new Option<int?>("--threads") { CustomParser = OptionParsers.WholeNumber, Description = $"Intra-op threads for LibTorch, 1 to {ArgumentChecks.MaxThreads} (default: LibTorch's choice)." };
        var saveFeaturesOption = new Option<DirectoryInfo?>("--save-features") { Description = "Write the input as the model saw it and every output (first three principal components as RGB) into this folder as PNGs." };

        var projectOption = new Option<FileSystemInfo?>("--project")
        {
            Description = "A project (or its folder) whose own specs to build and add to the built-in backbones.",
            Recursive = true,
        };

        // With --project, the user's project is built and its backbones registered before the command runs.
        int WithProject(ParseResult result, Func<int> command) =>
            result.GetValue(projectOption) is { } project && !ProjectBackbones.TryLoad(project, output) ? ExitCodes.File : command();

        WeightsChoice Weights(ParseResult result) => new(result.GetValue(pretrainedOption), result.GetValue(weightsOption), result.GetValue(prefixOption), result.GetValue(aliasSchemeOption));

        var list = new Command("list", "List the registered backbones with their parameter counts and outputs.");
        list.SetAction(result => WithProject(result, () => BackboneCommands.List(output)));

        var describe = new Command("describe", "Show a backbone's config, outputs, pretrained sources, preprocessing and parameter count; with --weights or --pretrained, what loading them does.")
        {
            nameArgument, weightsOption, pretrainedOption, prefixOption, aliasSchemeOption,
        };
        describe.SetAction(result => WithProject(result, () => BackboneCommands.Describe(output, progress, result.GetValue(nameArgument)!, Weights(result))));

        var run = new Command("run", "Build a backbone, run it on an image and report feature shapes, parameter count and time.")
        {
            nameArgument, sizeOption, imageOption, patternOption, weightsOption, pretrainedOption, prefixOption, aliasSchemeOption, repeatOption, threadsOption, saveFeaturesOption,
        };
        run.SetAction(result => WithProject(result, () => BackboneCommands.Run(output, progress, new RunOptions(
            result.GetValue(nameArgument)!,
            result.GetValue(sizeOption),
            result.GetValue(imageOption),
            result.GetValue(patternOption),
            Weights(result),
            result.GetValue(repeatOption) ?? RunOptions.DefaultRepeat,
            result.GetValue(threadsOption),
            result.GetValue(saveFeaturesOption)))));

        var checkpointArgument = new Argument<FileInfo>("checkpoint") { Description = "The file to convert: safetensors, or a torch.save checkpoint (.pth / .bin)." };
        var outputArgument = new Argument<FileInfo>("output") { Description = "The .safetensors file to write (atomically)." };
        var modelOption = new Option<string>("--model") { Description = "The backbone the weights belong to, e.g. SamVitH (see 'list').", Required = true };
        var savePrefixOption = new Option<string?>("--save-prefix") { Description = "Write the keys under this prefix, e.g. backbone_student (default: none)." };
        var saveAliasOption = new Option<string?>("--save-alias-scheme") { Description = "Write the names of this alias scheme, e.g. ovsam (default: upstream names)." };
        var convert = new Command("convert", "Convert a checkpoint to a backbone-only safetensors file under upstream names, printing what was loaded.")
        {
            checkpointArgument, outputArgument, modelOption, prefixOption, aliasSchemeOption, savePrefixOption, saveAliasOption,
        };
        convert.SetAction(result => WithProject(result, () => WeightsCommands.Convert(output, progress, new ConvertOptions(
            result.GetValue(checkpointArgument)!,
            result.GetValue(outputArgument)!,
            result.GetValue(modelOption)!,
            result.GetValue(prefixOption),
            result.GetValue(aliasSchemeOption),
            result.GetValue(savePrefixOption),
            result.GetValue(saveAliasOption)))));

        var root = new RootCommand("ModelGen: backbones generated from *.model.json specs, run with TorchSharp.") { list, describe, run, convert, projectOption };
        foreach (var command in DistillationCommandLine.Build(output, error, progress, WithProject))
            root.Subcommands.Add(command);
        return root;
    }
}
