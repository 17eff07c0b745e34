using System.Text;
using ModelGen.Models.IO;

namespace ModelGen.Models.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-atomic-").FullName;

    [Fact]
    public void Writing_creates_the_file_and_any_missing_folder()
    {
        var path = Path.Combine(_directory, "a", "b", "file.bin");

        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Writing_replaces_an_existing_file_whole()
    {
        var path = Path.Combine(_directory, "file.txt");
        File.WriteAllText(path, "a much longer previous content");

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal(Encoding.UTF8.GetBytes("new"), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_writer_that_throws_leaves_the_old_file_intact_and_removes_its_temporary()
    {
        var path = Path.Combine(_directory, "file.txt");
        File.WriteAllText(path, "old");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("partial new content"u8);
            stream.Flush();
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("writer failed", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_writer_that_throws_where_there_was_no_file_leaves_nothing()
    {
        var path = Path.Combine(_directory, "file.txt");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException()));

        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void A_directory_as_destination_is_refused_clearly_and_left_alone()
    {
        var path = Path.Combine(_directory, "folder");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "inside.txt"), "kept");

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Contains("is a directory", error.Message);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(path, "inside.txt")));
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_replaced_file_keeps_its_permissions()
    {
        if (OperatingSystem.IsWindows())
            return; // Unix mode bits only.
        var path = Path.Combine(_directory, "file.txt");
        File.WriteAllText(path, "old");
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, mode);

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
