using System.CommandLine;
using ModelGen.Cli;
using ModelGen.Models.Runtime;

// A command-line process owns its allocator: huge pages and reuse of freed native memory (see TensorMemory).
TensorMemory.OptimizeForLargeTensors();

var nameArgument = new Argument<string>("name") { Description = "The backbone's class name, e.g. SamVitB (see 'list')." };
var sizeOption = new Option<int?>("--size") { Description = "Input side in pixels (default: the variant's native image size)." };
var imageOption = new Option<FileInfo?>("--image") { Description = "A PNG or JPEG to run on (default: a generated test pattern)." };
var weightsOption = new Option<FileInfo?>("--weights") { Description = "Weights to load first: safetensors or a torch.save checkpoint (.pth / .bin, mmengine training checkpoints too)." };
var prefixOption = new Option<string?>("--prefix") { Description = "Prefix of the backbone's keys in the weights file, e.g. image_encoder or backbone_student (default: detected)." };
var aliasSchemeOption = new Option<string?>("--alias-scheme") { Description = "Read the file's names through this alias scheme of the variant, e.g. ovsam (default: detected)." };
var pretrainedOption = new Option<string?>("--pretrained") { Description = "Load the variant's published weights with this tag first, e.g. sa1b or openai (see 'describe'); found in $MODELGEN_WEIGHTS or the user cache, else downloaded and verified." };
var repeatOption = new Option<int>("--repeat") { Description = "Timed forward passes after one warm-up pass.", DefaultValueFactory = _ => 3 };
var threadsOption = new Option<int?>("--threads") { Description = "Intra-op threads for LibTorch (default: LibTorch's choice)." };
var projectOption = new Option<FileSystemInfo?>("--project")
{
    Description = "A project (or its folder) whose own specs to build and add to the built-in backbones.",
    Recursive = true,
};

// With --project, the user's project is built and its backbones registered before the command runs.
int WithProject(ParseResult result, Func<int> command) =>
    result.GetValue(projectOption) is { } project && !ProjectBackbones.TryLoad(project, Console.Out) ? 1 : command();

var list = new Command("list", "List the registered backbones.");
list.SetAction(result => WithProject(result, () => BackboneCommands.List(Console.Out)));

var describe = new Command("describe", "Show a backbone's config, outputs, pretrained sources and parameter count; with --weights or --pretrained, what loading them does.")
{
    nameArgument, weightsOption, pretrainedOption, prefixOption, aliasSchemeOption,
};
describe.SetAction(result => WithProject(result, () => BackboneCommands.Describe(
    Console.Out,
    result.GetValue(nameArgument)!,
    WeightsChoice.From(result.GetValue(pretrainedOption), result.GetValue(weightsOption), result.GetValue(prefixOption), result.GetValue(aliasSchemeOption)))));

var run = new Command("run", "Build a backbone, run it on an image and report feature shapes, parameter count and time.")
{
    nameArgument, sizeOption, imageOption, weightsOption, pretrainedOption, prefixOption, aliasSchemeOption, repeatOption, threadsOption,
};
run.SetAction(result => WithProject(result, () => BackboneCommands.Run(
    Console.Out,
    new RunOptions(
        result.GetValue(nameArgument)!,
        result.GetValue(sizeOption),
        result.GetValue(imageOption),
        result.GetValue(weightsOption),
        result.GetValue(repeatOption),
        result.GetValue(threadsOption),
        result.GetValue(pretrainedOption),
        result.GetValue(prefixOption),
        result.GetValue(aliasSchemeOption)))));

var checkpointArgument = new Argument<FileInfo>("checkpoint") { Description = "The file to convert: safetensors, or a torch.save checkpoint (.pth / .bin)." };
var outputArgument = new Argument<FileInfo>("output") { Description = "The .safetensors file to write (atomically)." };
var modelOption = new Option<string>("--model") { Description = "The backbone the weights belong to, e.g. SamVitH (see 'list').", Required = true };
var savePrefixOption = new Option<string?>("--save-prefix") { Description = "Write the keys under this prefix, e.g. backbone_student (default: none)." };
var saveAliasOption = new Option<string?>("--save-alias-scheme") { Description = "Write the names of this alias scheme, e.g. ovsam (default: upstream names)." };
var convert = new Command("convert", "Convert a checkpoint to a backbone-only safetensors file under upstream names, printing what was loaded.")
{
    checkpointArgument, outputArgument, modelOption, prefixOption, aliasSchemeOption, savePrefixOption, saveAliasOption,
};
convert.SetAction(result => WithProject(result, () => WeightsCommands.Convert(
    Console.Out,
    Console.Error,
    new ConvertOptions(
        result.GetValue(checkpointArgument)!,
        result.GetValue(outputArgument)!,
        result.GetValue(modelOption)!,
        result.GetValue(prefixOption),
        result.GetValue(aliasSchemeOption),
        result.GetValue(savePrefixOption),
        result.GetValue(saveAliasOption)))));

var root = new RootCommand("ModelGen: backbones generated from *.model.json specs, run with TorchSharp.") { list, describe, run, convert, projectOption };
return root.Parse(args).Invoke();
