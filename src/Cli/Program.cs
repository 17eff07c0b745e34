using System.CommandLine;
using ModelGen.Cli;
using ModelGen.Models.Runtime;

// A command-line process owns its allocator: huge pages and reuse of freed native memory (see TensorMemory).
TensorMemory.OptimizeForLargeTensors();

var nameArgument = new Argument<string>("name") { Description = "The backbone's class name, e.g. SamVitB (see 'list')." };
var sizeOption = new Option<int?>("--size") { Description = "Input side in pixels (default: the variant's native image size)." };
var imageOption = new Option<FileInfo?>("--image") { Description = "A PNG or JPEG to run on (default: a generated test pattern)." };
var weightsOption = new Option<FileInfo?>("--weights") { Description = "A .safetensors file with upstream parameter names to load first." };
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

var describe = new Command("describe", "Show a backbone's config, outputs and parameter count.") { nameArgument };
describe.SetAction(result => WithProject(result, () => BackboneCommands.Describe(Console.Out, result.GetValue(nameArgument)!)));

var run = new Command("run", "Build a backbone, run it on an image and report feature shapes, parameter count and time.")
{
    nameArgument, sizeOption, imageOption, weightsOption, repeatOption, threadsOption,
};
run.SetAction(result => WithProject(result, () => BackboneCommands.Run(
    Console.Out,
    new RunOptions(
        result.GetValue(nameArgument)!,
        result.GetValue(sizeOption),
        result.GetValue(imageOption),
        result.GetValue(weightsOption),
        result.GetValue(repeatOption),
        result.GetValue(threadsOption)))));

var root = new RootCommand("ModelGen: backbones generated from *.model.json specs, run with TorchSharp.") { list, describe, run, projectOption };
return root.Parse(args).Invoke();
