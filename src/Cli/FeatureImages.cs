using ModelGen.Models.Backbones;
using ModelGen.Models.IO;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>Writes what a run saw and produced as PNGs a person can read (<c>--save-features</c>).</summary>
internal static class FeatureImages
{
    public const string InputFileName = "input.png";

    /// <summary>
    /// Writes <see cref="InputFileName"/> (the batch as the model saw it) and one PNG per output,
    /// <c>N-name.png</c>: its three principal components as RGB over the positions that cover the picture (not
    /// the padding), scaled up to the picture's size in the input. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Save(DirectoryInfo folder, ModelInput input, BackboneOutput outputs)
    {
        var written = new List<string>();
        using (var seen = input.ToBitmap())
            written.Add(WritePng(Path.Combine(folder.FullName, InputFileName), seen));
        for (var i = 0; i < outputs.Count; i++)
        {
            var (info, feature) = (outputs.Features[i], outputs[i]);
            using var picture = Render(feature, input);
            written.Add(WritePng(Path.Combine(folder.FullName, $"{i + 1}-{info.Name}.png"), picture));
        }
        return written;
    }

    private static SKBitmap Render(Tensor feature, ModelInput input)
    {
        // The positions whose receptive centre lies on the picture: as many as the picture spans of the map's stride.
        var (mapHeight, mapWidth) = (feature.shape[2], feature.shape[3]);
        var width = (int)Math.Clamp(Math.Ceiling(input.ContentWidth * (double)mapWidth / input.Size), 1, mapWidth);
        var height = (int)Math.Clamp(Math.Ceiling(input.ContentHeight * (double)mapHeight / input.Size), 1, mapHeight);
        using var map = feature[0, .., ..height, ..width].contiguous();
        var rgb = FeaturePca.ToRgb(map);

        using var cells = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var at = 3 * (y * width + x);
                cells.SetPixel(x, y, new SKColor(rgb[at], rgb[at + 1], rgb[at + 2]));
            }
        return cells.Resize(new SKImageInfo(input.ContentWidth, input.ContentHeight, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Nearest));
    }

    private static string WritePng(string path, SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, data.SaveTo);
        return path;
    }
}
