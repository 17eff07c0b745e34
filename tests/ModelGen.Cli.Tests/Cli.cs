namespace ModelGen.Cli.Tests;

/// <summary>Runs <c>modelgen</c> in-process, as the executable does, and captures what it prints.</summary>
internal static class Cli
{
    public static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = ModelGenCommandLine.Invoke(args, output, error, StepProgress.None);
        return (code, output.ToString(), error.ToString());
    }

    public static string Fixture(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return Path.Combine(directory.FullName, "tests", "fixtures", relative);
        throw new DirectoryNotFoundException("No ModelGen.sln above the test binaries.");
    }
}
