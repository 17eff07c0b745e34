using System.Runtime.InteropServices;
using ModelGen.Models.Pretrained;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>
/// A batch of one picture as a backbone takes it, prepared as SAM's <c>ResizeLongestSide</c> and
/// <c>preprocess</c> do: resized so that its longer side is the input size, normalised, and padded with zeros
/// (after normalisation) on the right and at the bottom to a square. It owns <see cref="Batch"/>.
/// </summary>
internal sealed class ModelInput : IDisposable
{
    private ModelInput(Tensor batch, int contentWidth, int contentHeight, Preprocessing preprocessing)
    {
        Batch = batch;
        ContentWidth = contentWidth;
        ContentHeight = contentHeight;
        Preprocessing = preprocessing;
    }

    /// <summary>The NCHW float32 batch, <c>[1, 3, size, size]</c>.</summary>
    public Tensor Batch { get; }

    public int Size => (int)Batch.shape[3];

    /// <summary>The picture's width in the batch, from its left edge; the rest is padding.</summary>
    public int ContentWidth { get; }

    /// <summary>The picture's height in the batch, from its top edge; the rest is padding.</summary>
    public int ContentHeight { get; }

    public Preprocessing Preprocessing { get; }

    public static ModelInput From(SKBitmap picture, int size, Preprocessing preprocessing)
    {
        // segment-anything's get_preprocess_shape: the long side becomes `size`, the other is rounded half up.
        var scale = (double)size / Math.Max(picture.Width, picture.Height);
        var width = Math.Max(1, (int)(picture.Width * scale + 0.5));
        var height = Math.Max(1, (int)(picture.Height * scale + 0.5));
        using var resized = picture.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));

        var order = ChannelIndices(preprocessing);
        var rgba = resized.GetPixelSpan();
        var rowBytes = resized.RowBytes;
        var pixels = new float[3 * size * size];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var value = rgba[y * rowBytes + 4 * x + order[c]] * preprocessing.InputScale / 255;
                    pixels[(c * size + y) * size + x] = (float)((value - preprocessing.Mean[c]) / preprocessing.Std[c]);
                }
            }
        }
        return new ModelInput(tensor(pixels, [1, 3, size, size]), width, height, preprocessing);
    }

    /// <summary>The batch as a picture, normalisation undone: what the model saw, padding included (it shows as the mean colour).</summary>
    public SKBitmap ToBitmap()
    {
        var size = Size;
        var pixels = Batch.data<float>().ToArray();
        var order = ChannelIndices(Preprocessing);
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rgba = new byte[4 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var value = pixels[(c * size + y) * size + x] * Preprocessing.Std[c] + Preprocessing.Mean[c];
                    rgba[4 * (y * size + x) + order[c]] = (byte)Math.Clamp(Math.Round(value * 255 / Preprocessing.InputScale), 0, 255);
                }
                rgba[4 * (y * size + x) + 3] = 255;
            }
        }
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    public void Dispose() => Batch.Dispose();

    // Where the batch's channel c sits in an RGBA pixel.
    private static int[] ChannelIndices(Preprocessing preprocessing) => preprocessing.ChannelOrder == "BGR" ? [2, 1, 0] : [0, 1, 2];
}
