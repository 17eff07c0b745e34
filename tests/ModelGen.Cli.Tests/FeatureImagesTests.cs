using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Cli.Tests;

public sealed class FeatureImagesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-cli-features-").FullName;

    [Fact]
    public void Save_features_writes_the_input_and_every_output_as_a_picture_of_the_photo()
    {
        var folder = Path.Combine(_directory, "features");

        var (code, output, _) = Cli.Invoke("run", "VitaminTinyRwkv", "--size", "64", "--repeat", "0", "--save-features", folder);

        Assert.Equal(0, code);
        Assert.Equal(["1-conv_stage1.png", "2-conv_stage2.png", "3-layer7.png", "4-final_norm.png", "input.png"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains($"wrote {Path.Combine(folder, "input.png")}", output);
        AssertPicture(Path.Combine(folder, "input.png"), 64, 64);
        // The photo is 451x300: 64x43 in the input, and each output is shown at that size.
        foreach (var name in new[] { "1-conv_stage1.png", "2-conv_stage2.png", "3-layer7.png", "4-final_norm.png" })
            AssertPicture(Path.Combine(folder, name), 64, 43);
    }

    [Fact]
    public void The_first_principal_component_is_red_and_missing_ones_are_black()
    {
        // Four channels that all vary along x only: one direction of variance.
        using var x = arange(3, dtype: float32).reshape(1, 1, 3).expand(4, 2, 3);
        using var weights = tensor(new float[] { 1, -2, 0.5f, 3 }).reshape(4, 1, 1);
        using var map = (x * weights).contiguous();

        var rgb = FeaturePca.ToRgb(map);

        var red = Enumerable.Range(0, 6).Select(i => rgb[3 * i]).ToArray();
        Assert.Equal(new[] { red[0], red[1], red[2] }, new[] { red[3], red[4], red[5] });
        Assert.Equal(255, Math.Abs(red[2] - red[0]));
        Assert.InRange(red[1], 126, 129);
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal((0, 0), (rgb[3 * i + 1], rgb[3 * i + 2])));
    }

    private static void AssertPicture(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        Assert.True(bitmap.Pixels.Distinct().Count() > 8, $"{Path.GetFileName(path)} is (nearly) constant.");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
