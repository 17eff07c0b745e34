namespace ModelGen.Generators.Tests.Testing;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Specs => Path.Combine(Root, "specs");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException($"No ModelGen.sln above {AppContext.BaseDirectory}.");
    }
}
