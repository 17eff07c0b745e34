namespace ModelGen.Training.Data;

/// <summary>
/// The PNG and JPEG files directly in a folder, sorted by file name (ordinal, so the order is the same on every
/// machine). Each image's stem is its cache key, so two files with one stem (<c>a.png</c>, <c>a.jpg</c>) are refused.
/// </summary>
public sealed class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private ImageFolder(string folder, IReadOnlyList<ImageEntry> images)
    {
        Folder = folder;
        Images = images;
    }

    public string Folder { get; }

    public IReadOnlyList<ImageEntry> Images { get; }

    public int Count => Images.Count;

    /// <exception cref="ImageDataException">The folder does not exist, holds no PNG or JPEG, or two images share a stem.</exception>
    public static ImageFolder Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var full = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new ImageDataException(full, File.Exists(full) ? "is a file, not a folder of images" : "the folder does not exist");
        List<ImageEntry> images;
        try
        {
            images = Directory.EnumerateFiles(full)
                .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .Select(f => new ImageEntry(System.IO.Path.GetFileNameWithoutExtension(f), f))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDataException(full, $"the folder cannot be read: {e.Message}", e);
        }
        if (images.Count == 0)
            throw new ImageDataException(full, "the folder holds no PNG or JPEG image (*.png, *.jpg, *.jpeg)");
        var shared = images.GroupBy(i => i.Stem, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (shared is not null)
            throw new ImageDataException(full, $"{string.Join(" and ", shared.Select(i => System.IO.Path.GetFileName(i.Path)))} share the stem '{shared.Key}', which keys the feature cache; rename one");
        return new ImageFolder(full, images);
    }
}
