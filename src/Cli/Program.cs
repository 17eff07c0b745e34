using ModelGen.Cli;
using ModelGen.Models.Runtime;

// A command-line process owns its allocator: it reuses freed native memory (see TensorMemory).
TensorMemory.OptimizeForLargeTensors();

return ModelGenCommandLine.Invoke(args, Console.Out, Console.Error, StepProgress.OnStandardError());
