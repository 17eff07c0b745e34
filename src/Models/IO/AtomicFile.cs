using Microsoft.Win32.SafeHandles;

namespace ModelGen.Models.IO;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary file in
/// the same folder, which is flushed to disk and then renamed over the destination. If the process dies
/// or the writer throws, the previous file (if any) is untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, replacing any existing file only once the content is complete.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = PrepareDestination(path);
        var temporary = TemporaryPath(full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                KeepPermissions(full, stream.SafeFileHandle);
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> through the asynchronous <paramref name="write"/>, replacing any existing file only once
    /// the content is complete. A writer that throws (e.g. on finding the content wrong) or is cancelled leaves no file behind.
    /// </summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = PrepareDestination(path);
        var temporary = TemporaryPath(full);
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes all bytes atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes text (UTF-8) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>The full path of <paramref name="path"/>, checked to name a file, with its folder created.</summary>
    private static string PrepareDestination(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} has no parent folder.", nameof(path));
        if (Directory.Exists(full))
            throw new IOException($"{path} is a directory; give the path of a file to write.");
        Directory.CreateDirectory(folder);
        return full;
    }

    /// <summary>The temporary name used while writing <paramref name="fullPath"/>: hidden, in the same folder, unique per write.</summary>
    internal static string TemporaryPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// A replaced file keeps its Unix permissions rather than taking the defaults of a new one. This is
    /// best effort: on a file system without Unix modes the content is still written.
    /// </summary>
    private static void KeepPermissions(string destination, SafeFileHandle temporary)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(destination))
            return;
        try
        {
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(destination));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
