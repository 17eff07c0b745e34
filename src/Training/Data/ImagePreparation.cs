using ModelGen.Training.Compositions;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Data;

/// <summary>
/// One image as upstream's pipeline hands it to the backbones: decoded and turned upright by its EXIF orientation
/// (<c>LoadImageFromFile</c>), resized keeping
/// its aspect ratio (<c>ResizeSAM</c>, i.e. mmdet's <c>Resize(keep_ratio=True)</c>, bilinear, on the 8-bit pixels), put in
/// the preprocessing's channel order and normalised (<c>DetDataPreprocessor</c>), then padded bottom and right to the
/// input size with the pad value (<c>BatchFixedSizePad</c>, after normalising).
/// </summary>
public static class ImagePreparation
{
    private const string NotAnImage = "the file is not an image SkiaSharp can decode (PNG, JPEG)";

    /// <summary>
    /// mmcv's <c>rescale_size</c>: the factor is <c>min(max(H, W) / long side, min(H, W) / short side)</c> and each side
    /// becomes <c>int(side · factor + 0.5)</c>, at least 1. For a square input this makes the long side the input size.
    /// </summary>
    public static (int Width, int Height) ResizedSize(int width, int height, DistillationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var factor = Math.Min((double)Math.Max(input.Height, input.Width) / Math.Max(width, height), (double)Math.Min(input.Height, input.Width) / Math.Min(width, height));
        return (Math.Max(1, (int)(width * factor + 0.5)), Math.Max(1, (int)(height * factor + 0.5)));
    }

    /// <summary>Decodes and prepares the image at <paramref name="path"/>: a (3, Height, Width) float32 CPU tensor.</summary>
    /// <exception cref="ImageDataException">The file cannot be read or decoded, or its resized size does not fit the input.</exception>
    public static Tensor Load(string path, DistillationInput input)
    {
        using var bitmap = Decode(path);
        return Prepare(bitmap, input, path);
    }

    /// <summary>Prepares a decoded picture; <paramref name="origin"/> names it in errors.</summary>
    public static Tensor Prepare(SKBitmap picture, DistillationInput input, string origin)
    {
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(input);
        var (width, height) = ResizedSize(picture.Width, picture.Height, input);
        if (width > input.Width || height > input.Height)
            throw new ImageDataException(origin, $"resized to {width}x{height} it does not fit the {input.Width}x{input.Height} input; upstream's fixed-size padding cannot crop");
        using var resized = picture.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
            ?? throw new ImageDataException(origin, $"the picture cannot be resized to {width}x{height}");

        var preprocessing = input.Preprocessing;
        int[] order = preprocessing.ChannelOrder == "BGR" ? [2, 1, 0] : [0, 1, 2];
        var (rows, columns) = (input.Height, input.Width);
        var pixels = new float[3 * rows * columns];
        Array.Fill(pixels, (float)input.PadValue);
        var rgba = resized.GetPixelSpan();
        var rowBytes = resized.RowBytes;
        for (var c = 0; c < 3; c++)
        {
            var (mean, std, source) = (preprocessing.Mean[c], preprocessing.Std[c], order[c]);
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    pixels[(c * rows + y) * columns + x] = (float)((rgba[y * rowBytes + 4 * x + source] * preprocessing.InputScale / 255 - mean) / std);
        }
        return tensor(pixels, [3, rows, columns]);
    }

    /// <summary>The image's stored size from its header, without decoding its pixels: a quick check of a folder before a long run.</summary>
    /// <exception cref="ImageDataException">The file cannot be read, or is not an image SkiaSharp decodes.</exception>
    public static (int Width, int Height) Probe(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var codec = SKCodec.Create(stream) ?? throw new ImageDataException(path, NotAnImage);
            return (codec.Info.Width, codec.Info.Height);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDataException(path, $"the file cannot be read: {e.Message}", e);
        }
    }

    private static SKBitmap Decode(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var codec = SKCodec.Create(stream) ?? throw new ImageDataException(path, NotAnImage);
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
            {
                bitmap.Dispose();
                throw new ImageDataException(path, result == SKCodecResult.IncompleteInput ? "the image is truncated" : $"the image cannot be decoded ({result})");
            }
            var upright = ImageOrientation.Upright(bitmap, codec.EncodedOrigin);
            if (!ReferenceEquals(upright, bitmap))
                bitmap.Dispose();
            return upright;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDataException(path, $"the file cannot be read: {e.Message}", e);
        }
    }
}
