using SkiaSharp;

namespace ModelGen.Training.Data;

/// <summary>
/// Turns a decoded picture upright by its EXIF orientation, as OpenCV's <c>imdecode(IMREAD_COLOR)</c> does for
/// upstream's <c>LoadImageFromFile</c> (SkiaSharp's codec leaves the pixels as stored). Pixels are moved, not resampled.
/// </summary>
public static class ImageOrientation
{
    /// <returns><paramref name="stored"/> itself when it is upright, else a new bitmap (the caller disposes both).</returns>
    public static SKBitmap Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (origin is SKEncodedOrigin.TopLeft)
            return stored;
        var (w, h) = (stored.Width, stored.Height);
        var transposed = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (width, height) = transposed ? (h, w) : (w, h);
        // Where the upright pixel (x, y) is stored.
        Func<int, int, (int X, int Y)> source = origin switch
        {
            SKEncodedOrigin.TopRight => (x, y) => (w - 1 - x, y),
            SKEncodedOrigin.BottomRight => (x, y) => (w - 1 - x, h - 1 - y),
            SKEncodedOrigin.BottomLeft => (x, y) => (x, h - 1 - y),
            SKEncodedOrigin.LeftTop => (x, y) => (y, x),
            SKEncodedOrigin.RightTop => (x, y) => (y, h - 1 - x),
            SKEncodedOrigin.RightBottom => (x, y) => (w - 1 - y, h - 1 - x),
            SKEncodedOrigin.LeftBottom => (x, y) => (w - 1 - y, x),
            _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, "Not an EXIF orientation."),
        };
        var upright = new SKBitmap(new SKImageInfo(width, height, stored.ColorType, stored.AlphaType));
        var from = stored.GetPixelSpan();
        var to = upright.GetPixelSpan();
        var bytes = stored.BytesPerPixel;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = source(x, y);
                from.Slice(sy * stored.RowBytes + sx * bytes, bytes).CopyTo(to.Slice(y * upright.RowBytes + x * bytes, bytes));
            }
        return upright;
    }
}
