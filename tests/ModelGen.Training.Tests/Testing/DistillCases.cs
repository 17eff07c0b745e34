namespace ModelGen.Training.Tests.Testing;

/// <summary>The distillation trajectories of tests/fixtures/distill, one xunit case per sidecar.</summary>
public static class DistillCases
{
    public static string Directory => Path.Combine(RepositoryPaths.Fixtures, "distill");

    public static TheoryData<string> Names
    {
        get
        {
            var names = System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToList();
            if (names.Count == 0)
                throw new InvalidOperationException($"No distillation fixtures in {Directory}.");
            return new TheoryData<string>(names!);
        }
    }
}
