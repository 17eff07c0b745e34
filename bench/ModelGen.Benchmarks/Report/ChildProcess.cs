using System.Diagnostics;

namespace ModelGen.Benchmarks.Report;

/// <summary>Runs a measuring process and reads back its <c>SAMPLE</c> line.</summary>
internal static class ChildProcess
{
    public static ForwardResult? RunForResult(ProcessStartInfo start, string what)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var error = process.StandardError.ReadToEndAsync();
        ForwardResult? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
            result ??= ForwardResult.Parse(line);
        process.WaitForExit();
        if (result is null || process.ExitCode != 0)
        {
            var reason = error.Result.Split('\n').FirstOrDefault(l => l.Length > 0) ?? $"exit code {process.ExitCode}";
            Console.WriteLine($"{what}: not measured ({reason.Trim()})");
            return null;
        }
        Console.WriteLine(result);
        return result;
    }
}
