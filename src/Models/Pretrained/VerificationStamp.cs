using System.Globalization;
using ModelGen.Models.IO;

namespace ModelGen.Models.Pretrained;

/// <summary>
/// Remembers that a checkpoint file was found to have its published hash, so that the file, often
/// gigabytes, is hashed once rather than on every load. The stamp is a hidden file next to the
/// checkpoint (<c>.name.verified</c>) holding the hash checked and the file's size and modification
/// time; any change to those makes the file be hashed again. Changes that keep both size and time
/// (in-place bit rot) are not caught. Stamps are best effort: where the folder is read-only, files
/// are hashed every time.
/// </summary>
internal static class VerificationStamp
{
    public static bool IsCurrent(string path, FileHash hash)
    {
        try
        {
            var stamp = StampPath(path);
            return File.Exists(stamp) && File.ReadAllText(stamp) == Content(path, hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static void Record(string path, FileHash hash)
    {
        try
        {
            AtomicFile.WriteAllText(StampPath(path), Content(path, hash));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    internal static string StampPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.verified");

    private static string Content(string path, FileHash hash)
    {
        var file = new FileInfo(path);
        return string.Create(CultureInfo.InvariantCulture, $"{hash}\n{file.Length}\n{file.LastWriteTimeUtc.Ticks}\n");
    }
}
