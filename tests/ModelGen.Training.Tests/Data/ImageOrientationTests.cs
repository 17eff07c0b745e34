using ModelGen.Models.Pretrained;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using ModelGen.Training.Tests.Checkpoints;
using ModelGen.Training.Tests.Testing;
using SkiaSharp;

namespace ModelGen.Training.Tests.Data;

public sealed class ImageOrientationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    /// <summary>The stored 3x2 picture 1 2 3 / 4 5 6, upright for each EXIF orientation (rows separated by '/').</summary>
    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft, "1 2 3/4 5 6")]
    [InlineData(SKEncodedOrigin.TopRight, "3 2 1/6 5 4")]
    [InlineData(SKEncodedOrigin.BottomRight, "6 5 4/3 2 1")]
    [InlineData(SKEncodedOrigin.BottomLeft, "4 5 6/1 2 3")]
    [InlineData(SKEncodedOrigin.LeftTop, "1 4/2 5/3 6")]
    [InlineData(SKEncodedOrigin.RightTop, "4 1/5 2/6 3")]
    [InlineData(SKEncodedOrigin.RightBottom, "6 3/5 2/4 1")]
    [InlineData(SKEncodedOrigin.LeftBottom, "3 6/2 5/1 4")]
    public void Each_exif_orientation_turns_the_picture_upright(SKEncodedOrigin origin, string expected)
    {
        using var stored = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var i = 0; i < 6; i++)
            stored.SetPixel(i % 3, i / 3, new SKColor((byte)(i + 1), 0, 0));

        var upright = ImageOrientation.Upright(stored, origin);
        try
        {
            var rows = Enumerable.Range(0, upright.Height).Select(y => string.Join(" ", Enumerable.Range(0, upright.Width).Select(x => upright.GetPixel(x, y).Red)));
            Assert.Equal(expected, string.Join("/", rows));
        }
        finally
        {
            if (!ReferenceEquals(upright, stored))
                upright.Dispose();
        }
    }

    [Fact]
    public void A_jpeg_with_an_exif_orientation_is_prepared_upright()
    {
        var plain = TestImages.Write(_folder.File("plain.png"), 16, 8, (x, _) => x < 8 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        using (var bitmap = SKBitmap.Decode(plain))
        using (var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100))
            File.WriteAllBytes(_folder.File("rotated.jpg"), WithOrientation(jpeg.ToArray(), 6));

        using var image = ImagePreparation.Load(_folder.File("rotated.jpg"), new DistillationInput(16, 16, new Preprocessing([0, 0, 0], [255, 255, 255], 255)));

        // Rotated clockwise to be upright: 8 wide and 16 high, the stored left half (red) on top.
        Assert.InRange(image[0, 2, 4].item<float>(), 0.9f, 1f);
        Assert.InRange(image[2, 2, 4].item<float>(), 0f, 0.1f);
        Assert.InRange(image[2, 13, 4].item<float>(), 0.9f, 1f);
        Assert.Equal(0f, image[0, 4, 12].item<float>());
    }

    /// <summary>The JPEG with an APP1 segment after its start marker: EXIF, one IFD entry, Orientation (0x0112, SHORT).</summary>
    private static byte[] WithOrientation(byte[] jpeg, byte orientation)
    {
        byte[] tiff = [(byte)'I', (byte)'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        var length = payload.Length + 2;
        return [jpeg[0], jpeg[1], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }

    public void Dispose() => _folder.Dispose();
}
