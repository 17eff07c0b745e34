using ModelGen.Models.Pretrained;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using ModelGen.Training.Tests.Checkpoints;
using ModelGen.Training.Tests.Testing;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Data;

public sealed class ImagePreparationTests : IDisposable
{
    private static readonly Preprocessing Sam = new([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], 255);

    private readonly TemporaryFolder _folder = new();

    [Theory]
    [InlineData(640, 480, 1024, 1024, 1024, 768)]
    [InlineData(480, 640, 1024, 1024, 768, 1024)]
    [InlineData(1024, 1024, 1024, 1024, 1024, 1024)]
    [InlineData(100, 33, 64, 64, 64, 21)]
    // 4.5 rounds up (mmcv's int(x + 0.5)), not to the even 4.
    [InlineData(4, 3, 6, 6, 6, 5)]
    [InlineData(3000, 1, 64, 64, 64, 1)]
    // A non-square input: the factor is min(long input side / long side, short input side / short side).
    [InlineData(200, 100, 64, 128, 128, 64)]
    public void The_long_side_becomes_the_input_size_keeping_the_aspect_ratio_rounded_half_up(int width, int height, int inputHeight, int inputWidth, int expectedWidth, int expectedHeight)
    {
        var input = new DistillationInput(inputHeight, inputWidth, Sam);
        Assert.Equal((expectedWidth, expectedHeight), ImagePreparation.ResizedSize(width, height, input));
    }

    [Theory]
    [InlineData("RGB", 0.0)]
    [InlineData("BGR", -1.5)]
    public void A_plain_image_is_normalised_in_the_channel_order_and_padded_bottom_right_with_the_pad_value(string order, double padValue)
    {
        var path = TestImages.Write(_folder.File("plain.png"), 20, 10, (_, _) => new SKColor(200, 100, 50));
        var preprocessing = new Preprocessing(Sam.Mean, Sam.Std, Sam.InputScale, order);
        var input = new DistillationInput(16, 16, preprocessing, padValue);

        using var image = ImagePreparation.Load(path, input);

        Assert.Equal([3L, 16, 16], image.shape);
        Assert.Equal(ScalarType.Float32, image.dtype);
        double[] rgb = order == "RGB" ? [200, 100, 50] : [50, 100, 200];
        for (var c = 0; c < 3; c++)
        {
            var expected = (float)((rgb[c] - Sam.Mean[c]) / Sam.Std[c]);
            using var content = image[c, ..8, ..];
            using var padding = image[c, 8.., ..];
            Assert.True(content.eq(expected).all().item<bool>(), $"channel {c} of the 16x8 content is {expected}");
            Assert.True(padding.eq((float)padValue).all().item<bool>(), $"channel {c} of rows 8-15 is the pad value");
        }
    }

    [Fact]
    public void The_picture_keeps_its_orientation()
    {
        var path = TestImages.Write(_folder.File("halves.png"), 40, 20, (x, _) => x < 20 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        using var image = ImagePreparation.Load(path, new DistillationInput(32, 32, new Preprocessing([0, 0, 0], [255, 255, 255], 255)));

        Assert.Equal(1f, image[0, 4, 2].item<float>());
        Assert.Equal(0f, image[2, 4, 2].item<float>());
        Assert.Equal(0f, image[0, 4, 29].item<float>());
        Assert.Equal(1f, image[2, 4, 29].item<float>());
    }

    [Fact]
    public void A_dataset_batch_is_nchw_in_the_callers_dtype()
    {
        TestImages.Gradient(_folder.Path, "a.png", 30, 20, 0);
        TestImages.Gradient(_folder.Path, "b.jpg", 20, 30, 1);
        var data = new ImageDataset(ImageFolder.Open(_folder.Path), new DistillationInput(32, 32, Sam));

        using var batch = data.Load(data.Folder.Images, ScalarType.Float64);

        Assert.Equal([2L, 3, 32, 32], batch.Images.shape);
        Assert.Equal(ScalarType.Float64, batch.Images.dtype);
        Assert.Equal(["a", "b"], batch.Entries.Select(e => e.Stem));
        using var single = ImagePreparation.Load(data.Folder.Images[1].Path, data.Input);
        using var scope = NewDisposeScope();
        Assert.True(batch.Images[1].to(ScalarType.Float32).equal(single).all().item<bool>());
    }

    [Theory]
    [InlineData("notes.png", "not an image", "is not an image SkiaSharp can decode")]
    [InlineData("cut.png", "truncated", "is truncated")]
    public void An_undecodable_image_names_the_file(string name, string content, string message)
    {
        var path = _folder.File(name);
        if (content == "truncated")
        {
            var whole = File.ReadAllBytes(TestImages.Gradient(_folder.Path, "whole.png", 64, 64, 3));
            File.WriteAllBytes(path, whole[..(whole.Length / 2)]);
        }
        else
        {
            File.WriteAllText(path, content);
        }

        var error = Assert.Throws<ImageDataException>(() => ImagePreparation.Load(path, new DistillationInput(16, 16, Sam)));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(message, error.Message);
        if (content == "truncated")
            Assert.Equal((64, 64), ImagePreparation.Probe(path));
        else
            Assert.Contains(message, Assert.Throws<ImageDataException>(() => ImagePreparation.Probe(path)).Message);
    }

    public void Dispose() => _folder.Dispose();
}
