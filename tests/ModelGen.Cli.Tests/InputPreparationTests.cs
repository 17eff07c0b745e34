using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using SkiaSharp;

namespace ModelGen.Cli.Tests;

public sealed class InputPreparationTests
{
    private static readonly double[] SamMean = [123.675, 116.28, 103.53];
    private static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];

    [Theory]
    [InlineData("SamVitB", "pretrained 'sa1b'", 255)]
    [InlineData("VitaminSmallRwkvSam", "SAM's; VitaminSmallRwkvSam declares none", 255)]
    [InlineData("OpenClipRN50x16", "pretrained 'openai'", 1)]
    [InlineData("OpenClipViTB16", "OpenAI CLIP's; OpenClipViTB16 declares none", 1)]
    public void Each_variant_is_normalised_as_its_pretrained_configuration_says(string name, string origin, double inputScale)
    {
        var (preprocessing, actualOrigin) = InputPreprocessing.For(ModelZoo.Describe(name), pretrainedTag: null);

        Assert.Equal(origin, actualOrigin);
        Assert.Equal(inputScale, preprocessing.InputScale);
        Assert.Equal(inputScale == 255 ? SamMean : ClipMean, preprocessing.Mean);
    }

    [Fact]
    public void The_long_side_is_resized_and_the_rest_padded_with_zeros_after_normalisation()
    {
        using var picture = Solid(40, 20, new SKColor(200, 100, 50));
        var preprocessing = new Preprocessing([100, 50, 25], [10, 5, 2.5], 255);

        using var input = ModelInput.From(picture, 32, preprocessing);

        Assert.Equal([1L, 3, 32, 32], input.Batch.shape);
        Assert.Equal((32, 16), (input.ContentWidth, input.ContentHeight));
        var pixels = input.Batch.data<float>().ToArray();
        float At(int c, int y, int x) => pixels[(c * 32 + y) * 32 + x];
        Assert.Equal([10f, 10f, 10f], [At(0, 15, 31), At(1, 0, 0), At(2, 7, 9)]);
        Assert.Equal([0f, 0f, 0f], [At(0, 16, 0), At(1, 31, 31), At(2, 20, 5)]);
    }

    [Fact]
    public void A_BGR_configuration_puts_blue_first_and_its_input_scale_applies()
    {
        using var picture = Solid(8, 8, new SKColor(255, 0, 51));
        var preprocessing = new Preprocessing([0, 0, 0], [1, 1, 1], 1, "BGR");

        using var input = ModelInput.From(picture, 8, preprocessing);

        var pixels = input.Batch.data<float>().ToArray();
        Assert.Equal([0.2f, 0f, 1f], [pixels[0], pixels[64], pixels[128]]);
    }

    [Fact]
    public void The_input_as_the_model_saw_it_undoes_the_normalisation_and_shows_the_padding_as_the_mean()
    {
        using var picture = Solid(16, 8, new SKColor(200, 100, 50));
        var preprocessing = new Preprocessing([100, 50, 25], [10, 5, 2.5], 255);
        using var input = ModelInput.From(picture, 16, preprocessing);

        using var seen = input.ToBitmap();

        Assert.Equal((16, 16), (seen.Width, seen.Height));
        Assert.Equal(new SKColor(200, 100, 50), seen.GetPixel(3, 3));
        Assert.Equal(new SKColor(100, 50, 25), seen.GetPixel(3, 12));
    }

    private static SKBitmap Solid(int width, int height, SKColor color)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(color);
        return bitmap;
    }
}
