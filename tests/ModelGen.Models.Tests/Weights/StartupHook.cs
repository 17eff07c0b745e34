using ModelGen.Models.Tests.Weights;

/// <summary>
/// Runs only in the child process of <see cref="InterruptedWriterProcess"/>: the runtime calls it before
/// <c>Main</c> when <c>DOTNET_STARTUP_HOOKS</c> names this assembly. The name and the global namespace
/// are what the runtime looks for.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(InterruptedWriterProcess.TargetVariable) is { Length: > 0 } path)
            InterruptedWriterProcess.WriteAndStall(path);
    }
}
