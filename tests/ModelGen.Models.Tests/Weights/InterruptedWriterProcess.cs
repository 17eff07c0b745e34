using System.Diagnostics;
using System.Text;
using ModelGen.Models.IO;
using ModelGen.Models.Tests.IO;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

/// <summary>
/// A child process that starts writing a weights file through the library and stalls part way, so a
/// test can kill it there. The child is this test assembly run by <c>dotnet exec</c> (its generated
/// <c>Main</c> does nothing) with <see cref="global::StartupHook"/> as the runtime's startup hook, which
/// does the write before <c>Main</c>: nothing extra to build, and it is stalled within about a second.
/// Stalling, rather than killing at a random moment, makes the kill land mid-write every time.
/// </summary>
internal sealed class InterruptedWriterProcess : IDisposable
{
    /// <summary>Names the file the child writes; only set for the child.</summary>
    public const string TargetVariable = "MODELGEN_TESTS_INTERRUPTED_WRITE_TARGET";

    private const string StalledLine = "stalled";
    private const long StallAfterBytes = 256;

    private readonly Process _process;
    private readonly StringBuilder _errors = new();

    private InterruptedWriterProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
                _errors.AppendLine(e.Data);
        };
        _process.BeginErrorReadLine();
    }

    public static InterruptedWriterProcess Start(string path)
    {
        var assembly = typeof(InterruptedWriterProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost(), ["exec", assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[TargetVariable] = path;
        return new InterruptedWriterProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start."));
    }

    /// <summary>Runs in the child: writes <paramref name="path"/> as <see cref="SafetensorsWriter.Write(string, IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string}?)"/> does, and never finishes.</summary>
    public static void WriteAndStall(string path)
    {
        using var data = arange(4096, ScalarType.Float32);
        var tensors = new Dictionary<string, Tensor> { ["new"] = data };
        AtomicFile.Write(path, stream => SafetensorsWriter.Write(new StallingStream(stream, StallAfterBytes, ReportStalled), tensors));
    }

    public void WaitUntilStalled(TimeSpan timeout)
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout))
            Assert.Fail($"The writer process did not stall within {timeout.TotalSeconds} s.");
        if (line.Result != StalledLine)
        {
            _process.WaitForExit(TimeSpan.FromSeconds(10));
            lock (_errors)
                Assert.Fail($"The writer process printed '{line.Result}' instead of stalling; its errors: {_errors}");
        }
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
    }

    private static void ReportStalled()
    {
        Console.Out.WriteLine(StalledLine);
        Console.Out.Flush();
    }

    /// <summary>The host running the tests (set by the dotnet CLI for its children), else the one on the PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
