namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>A new empty folder under the system's temporary folder, deleted with its content on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("modelgen-checkpoints-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
