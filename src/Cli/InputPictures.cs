using SkiaSharp;

namespace ModelGen.Cli;

/// <summary>The pictures a run can start from: a file, the photograph shipped with the CLI, or a generated pattern.</summary>
internal static class InputPictures
{
    private const string SampleResource = "ModelGen.Cli.Assets.chelsea.png";

    /// <summary>What <see cref="Sample"/> shows, for the run's report (source and licence: Assets/README.md).</summary>
    public const string SampleDescription = "the sample photograph (Chelsea the cat, scikit-image, CC0)";

    public static SKBitmap File(FileInfo file)
    {
        if (Directory.Exists(file.FullName))
            throw UserError.File($"--image: {file.FullName} is a directory; give a PNG or JPEG file.");
        if (!file.Exists)
            throw UserError.File($"--image: {file.FullName} does not exist.");
        try
        {
            using var stream = file.OpenRead();
            return SKBitmap.Decode(stream) ?? throw UserError.File($"--image: {file.FullName} is not an image SkiaSharp can decode (PNG, JPEG, WebP, GIF, BMP).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserError.File($"--image: {file.FullName} cannot be read: {e.Message}", e);
        }
    }

    public static SKBitmap Sample()
    {
        using var stream = typeof(InputPictures).Assembly.GetManifestResourceStream(SampleResource)
            ?? throw new InvalidOperationException($"The CLI was built without its sample photograph ({SampleResource}).");
        return SKBitmap.Decode(stream);
    }

    /// <summary>A deterministic square of smooth gradients and rings.</summary>
    public static SKBitmap Pattern(int size)
    {
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var (u, v) = ((double)x / size, (double)y / size);
                var ring = 0.5 + 0.5 * Math.Sin(40 * Math.Sqrt((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)));
                bitmap.SetPixel(x, y, new SKColor((byte)(255 * u), (byte)(255 * v), (byte)(255 * ring)));
            }
        }
        return bitmap;
    }
}
