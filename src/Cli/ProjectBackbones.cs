using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ModelGen.Cli;

/// <summary>
/// <c>--project PATH</c>: builds the user's project with the .NET SDK and loads its assembly into this process, so the
/// backbones its specs generate register with ModelZoo (from their module initializer) beside the built-in ones.
/// The project's ModelGen and TorchSharp resolve to this tool's own.
/// </summary>
internal static class ProjectBackbones
{
    public static bool TryLoad(FileSystemInfo project, TextWriter output)
    {
        if (!project.Exists)
        {
            output.WriteLine($"No project at {project.FullName}.");
            return false;
        }

        var evaluation = Dotnet(output, "msbuild", project.FullName, "-getProperty:TargetFramework", "-getProperty:TargetFrameworks");
        if (evaluation is null)
            return false;
        var properties = JsonDocument.Parse(evaluation).RootElement.GetProperty("Properties");
        var arguments = new List<string> { "build", project.FullName, "-c", "Release", "-t:Build", "-getProperty:TargetPath" };
        if (properties.GetProperty("TargetFramework").GetString() is "" or null)
            arguments.AddRange(["-f", Framework(properties.GetProperty("TargetFrameworks").GetString() ?? "")]);

        var targetPath = Dotnet(output, [.. arguments])?.Trim();
        if (targetPath is null)
            return false;
        try
        {
            var assembly = Assembly.LoadFrom(targetPath);
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            return true;
        }
        catch (Exception e) when (e is FileLoadException or FileNotFoundException or BadImageFormatException)
        {
            output.WriteLine($"Could not load {targetPath}: {e.Message} (its ModelGen package must not be newer than this tool).");
            return false;
        }
    }

    /// <summary>Of a multi-targeted project's frameworks, the one this tool runs on, else the first.</summary>
    internal static string Framework(string targetFrameworks)
    {
        var frameworks = targetFrameworks.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var own = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        return frameworks.FirstOrDefault(f => f == own) ?? frameworks.FirstOrDefault() ?? own;
    }

    /// <summary>Runs <c>dotnet</c>; its standard output, or null (after writing what it printed) when it fails.</summary>
    private static string? Dotnet(TextWriter output, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0)
            return standardOutput;
        output.WriteLine($"dotnet {string.Join(' ', arguments)} failed:");
        output.Write(standardOutput);
        output.Write(standardError.Result);
        return null;
    }
}
