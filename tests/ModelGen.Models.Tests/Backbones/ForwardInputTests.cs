using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.OpenClip;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>
/// Every backbone's forward entrance rejects what LibTorch would fail on deep inside (or crash on) with
/// a .NET exception naming the backbone, and runs an empty batch.
/// </summary>
public sealed class ForwardInputTests
{
    /// <summary>One small variant of each family and layer kind, with an input size it runs.</summary>
    public static TheoryData<string, int, int> Variants => new()
    {
        { "SamTinyW14", 64, 96 },
        { "SamTinyW3", 48, 64 },
        { "ClipRnTiny", 96, 64 },
        { "ClipViTTiny", 56, 70 },
        { "VitaminTinyRwkvFixture", 64, 80 },
        { "VitaminMicroRwkvTrans", 48, 64 },
        { "VitaminMicroMbconvRwkv", 64, 48 },
        { "VitaminMicroRwkvMbconvFinal", 33, 47 },
    };

    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipRnTiny")]
    [InlineData("ClipViTTiny")]
    [InlineData("VitaminTinyRwkvFixture")]
    public void Null_is_an_ArgumentNullException(string variant)
    {
        using var model = ModelZoo.Create(variant);
        var error = Assert.Throws<ArgumentNullException>(() => model.Forward(null!));
        Assert.Equal("images", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void An_empty_batch_gives_empty_outputs_of_the_batch_of_one_shapes(string variant, int height, int width)
    {
        using var model = ModelZoo.Create(variant);
        using var _ = no_grad();
        using var one = randn(1, 3, height, width);
        using var none = zeros(0, 3, height, width);
        using var expected = model.Forward(one);
        using var outputs = model.Forward(none);

        Assert.Equal(expected.Count, outputs.Count);
        for (var i = 0; i < outputs.Count; i++)
            Assert.Equal(expected[i].shape.Skip(1).Prepend(0L), outputs[i].shape);
    }

    [Theory]
    [InlineData("ClipRnTiny", 64, 32)]
    [InlineData("ClipViTTiny", 28, 32)]
    public void An_empty_batch_gives_an_empty_embedding(string variant, int side, long outputDim)
    {
        using var model = ModelZoo.Create(variant);
        using var _ = no_grad();
        using var none = zeros(0, 3, side, side);
        using var embedding = ((IClipImageEncoder)model).Embed(none);
        Assert.Equal([0L, outputDim], embedding.shape);
    }

    [Theory]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Bool)]
    public void Integer_and_bool_images_are_rejected_with_the_conversion_to_make(ScalarType dtype)
    {
        using var model = ModelZoo.Create("SamTinyW14");
        using var images = zeros(1, 3, 64, 64, dtype);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("SamTinyW14", error.Message);
        Assert.Contains(dtype.ToString(), error.Message);
        Assert.Contains("images.to(ScalarType.Float32)", error.Message);
        Assert.Contains("normalise", error.Message);
    }

    [Theory]
    [InlineData("SamTinyW14", ScalarType.Float64)]
    [InlineData("ClipRnTiny", ScalarType.Float16)]
    [InlineData("ClipViTTiny", ScalarType.BFloat16)]
    [InlineData("VitaminTinyRwkvFixture", ScalarType.Float64)]
    public void Another_float_dtype_than_the_module_s_is_rejected_naming_both(string variant, ScalarType dtype)
    {
        using var model = ModelZoo.Create(variant);
        using var images = zeros(1, 3, 64, 64, dtype);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains(variant, error.Message);
        Assert.Contains($"{ScalarType.Float32} parameters", error.Message);
        Assert.Contains($"a {dtype} image batch", error.Message);
    }

    [Fact]
    public void A_batch_on_another_device_than_the_module_is_rejected_naming_both()
    {
        using var model = ModelZoo.Create("VitaminTinyRwkvFixture");
        using var images = zeros(1, 3, 64, 64, device: new Device(DeviceType.META));
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("VitaminTinyRwkvFixture is on cpu but got an image batch on meta", error.Message);
    }

    [Fact]
    public void Non_finite_values_pass_by_default_and_are_rejected_when_asked()
    {
        using var model = ModelZoo.Create("ClipViTTiny");
        using var _ = no_grad();
        using var images = randn(2, 3, 28, 28);
        images[0, 1, 2, 3] = tensor(float.NaN);
        images[1, 0, 0, 0] = tensor(float.PositiveInfinity);
        images[1, 2, 5, 5] = tensor(float.NegativeInfinity);

        Assert.False(model.RejectNonFiniteInputs);
        using (var outputs = model.Forward(images))
            Assert.True(outputs[0].isnan().any().item<bool>());

        model.RejectNonFiniteInputs = true;
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("ClipViTTiny got an image batch with 1 NaN and 2 infinite values", error.Message);
        using var finite = randn(2, 3, 28, 28);
        model.Forward(finite).Dispose();
    }

    [Fact]
    public void A_wrong_layout_names_the_backbone_and_the_shape()
    {
        using var model = ModelZoo.Create("ClipRnTiny");
        using var images = zeros(3, 64, 64);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(images));
        Assert.Contains("ClipRnTiny expects an NCHW image batch with 3 channels, got shape [3, 64, 64]", error.Message);
    }
}

/// <summary>The dtype a forward accepts is its parameters', whatever the module was built in.</summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class ForwardDtypeTests
{
    [Fact]
    public void The_accepted_dtype_is_the_module_s()
    {
        using var model = DefaultDtype.Build(ScalarType.Float64, () => ModelZoo.Create("ClipRnTiny"));
        using var _ = no_grad();
        using var doubles = randn(1, 3, 64, 64, ScalarType.Float64);
        using var floats = randn(1, 3, 64, 64, ScalarType.Float32);

        using var outputs = model.Forward(doubles);
        Assert.All(outputs, o => Assert.Equal(ScalarType.Float64, o.dtype));
        var error = Assert.Throws<ArgumentException>(() => model.Forward(floats));
        Assert.Contains("ClipRnTiny has Float64 parameters but got a Float32 image batch", error.Message);
    }
}
