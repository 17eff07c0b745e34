using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>Turns an image file (or a generated pattern) into a normalised NCHW batch of one.</summary>
internal static class ImageInput
{
    // SAM's pixel mean and std (ImageNet statistics on the 0-255 scale).
    private static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    /// <summary>
    /// Resizes the image so that its longer side is <paramref name="size"/> and pads the rest with
    /// zeros after normalisation, as SAM's preprocessing does.
    /// </summary>
    public static Tensor Load(FileInfo file, int size)
    {
        using var bitmap = SKBitmap.Decode(file.FullName) ?? throw new InvalidDataException($"{file.FullName} is not an image SkiaSharp can decode.");
        var scale = (double)size / Math.Max(bitmap.Width, bitmap.Height);
        var (width, height) = (Math.Max(1, (int)Math.Round(bitmap.Width * scale)), Math.Max(1, (int)Math.Round(bitmap.Height * scale)));
        using var resized = bitmap.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));

        var pixels = new float[3 * size * size];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var color = resized.GetPixel(x, y);
                Span<float> rgb = [color.Red, color.Green, color.Blue];
                for (var c = 0; c < 3; c++)
                    pixels[(c * size + y) * size + x] = (rgb[c] - Mean[c]) / Std[c];
            }
        }
        return tensor(pixels, [1, 3, size, size]);
    }

    /// <summary>A deterministic pattern (smooth gradients and rings) standing in for a photo.</summary>
    public static Tensor Pattern(int size)
    {
        var pixels = new float[3 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var (u, v) = ((double)x / size, (double)y / size);
                var ring = 0.5 + 0.5 * Math.Sin(40 * Math.Sqrt((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)));
                double[] rgb = [255 * u, 255 * v, 255 * ring];
                for (var c = 0; c < 3; c++)
                    pixels[(c * size + y) * size + x] = (float)((rgb[c] - Mean[c]) / Std[c]);
            }
        }
        return tensor(pixels, [1, 3, size, size]);
    }
}
