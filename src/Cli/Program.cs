using ModelGen.Cli;
using ModelGen.Models.Runtime;

// A command-line process owns its allocator: huge pages and reuse of freed native memory (see TensorMemory).
TensorMemory.OptimizeForLargeTensors();

return ModelGenCommandLine.Invoke(args, Console.Out, Console.Error, StepProgress.OnStandardError());
