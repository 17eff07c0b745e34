namespace ModelGen.Training.Tests.Testing;

internal static class RepositoryPaths
{
    /// <summary>The repository root: the first folder above the test binaries that holds ModelGen.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException($"No ModelGen.sln above {AppContext.BaseDirectory}.");
    }
}
