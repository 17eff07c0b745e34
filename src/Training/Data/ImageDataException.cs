namespace ModelGen.Training.Data;

/// <summary>An image folder or one of its images cannot be used: the message names the file.</summary>
public sealed class ImageDataException : Exception
{
    public ImageDataException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    /// <summary>The folder or image at fault.</summary>
    public string Path { get; }
}
