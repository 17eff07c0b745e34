using SkiaSharp;

namespace ModelGen.Training.Tests.Testing;

/// <summary>Small PNGs written into a test's folder.</summary>
internal static class TestImages
{
    /// <summary>A PNG whose pixel (x, y) is <paramref name="color"/>(x, y).</summary>
    public static string Write(string path, int width, int height, Func<int, int, SKColor> color)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>Smooth gradients that differ per image (by <paramref name="index"/>), so every image gives other features.</summary>
    public static string Gradient(string folder, string name, int width, int height, int index) =>
        Write(Path.Combine(folder, name), width, height, (x, y) => new SKColor(
            (byte)(255 * x / Math.Max(1, width - 1)), (byte)(255 * y / Math.Max(1, height - 1)), (byte)(40 * index % 256)));
}
