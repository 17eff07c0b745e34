using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>Each family's input-size rule is its forward's: the smallest side it states runs, one pixel less is refused.</summary>
public sealed class InputSizeRuleTests
{
    [Theory]
    [InlineData("SamTinyW14", 16, 16, 256, 256)]
    [InlineData("ClipViTTiny", 28, 14, 28, 28)]
    [InlineData("ClipRnTiny", 31, 1, 64, 64)]
    [InlineData("VitaminMicroRwkvTrans", 1, 1, 64, 64)]
    public void The_rule_comes_from_the_spec(string variant, int minimum, int multiple, int height, int width)
    {
        var rule = ModelZoo.Describe(variant).InputSizes;
        Assert.Equal((minimum, multiple, height, width), (rule.Minimum, rule.Multiple, rule.NativeHeight, rule.NativeWidth));
        using var model = ModelZoo.Create(variant);
        Assert.Equal(rule, model.InputSizes);
    }

    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipViTTiny")]
    [InlineData("ClipRnTiny")]
    [InlineData("VitaminMicroRwkvTrans")]
    public void The_smallest_accepted_side_runs_and_one_pixel_less_is_refused(string variant)
    {
        using var model = ModelZoo.Create(variant);
        var rule = model.InputSizes;
        Assert.True(rule.Accepts(rule.Smallest, rule.Smallest + rule.Multiple));
        using var _ = no_grad();
        using (var images = zeros(1, 3, rule.Smallest, rule.Smallest + rule.Multiple))
        using (var outputs = model.Forward(images))
            Assert.All(outputs, o => Assert.Equal(1, o.shape[0]));

        if (rule.Minimum <= 1)
            return;
        Assert.False(rule.Accepts(rule.Minimum - 1, rule.Smallest));
        using var small = zeros(1, 3, rule.Minimum - 1, rule.Smallest);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(small));
        Assert.Contains($"at least {rule.Minimum} pixels", error.Message);
    }

    [Theory]
    [InlineData("SamTinyW14", 16)]
    [InlineData("ClipViTTiny", 14)]
    public void A_side_off_the_multiple_is_floored_by_the_forward_and_not_accepted(string variant, int multiple)
    {
        using var model = ModelZoo.Create(variant);
        var rule = model.InputSizes;
        var side = 3 * multiple;
        Assert.False(rule.Accepts(side + 5, side));
        using var _ = no_grad();
        using var whole = zeros(1, 3, side, side);
        using var ragged = zeros(1, 3, side + 5, side);
        using var expected = model.Forward(whole);
        using var floored = model.Forward(ragged);
        Assert.Equal(expected.Select(o => o.shape), floored.Select(o => o.shape));
    }

    [Fact]
    public void Nearest_sides_are_the_multiples_around_within_the_bounds()
    {
        var rule = new InputSizeRule(32, 16, 224, 224, "floored");
        Assert.Equal([32], rule.NearestSides(5));
        Assert.Equal([96, 112], rule.NearestSides(100));
        Assert.Equal([112], rule.NearestSides(112));
        Assert.Equal([2048], rule.NearestSides(4096, maximum: 2048));
        Assert.Equal([2032], rule.NearestSides(2040, maximum: 2047));
        Assert.Empty(rule.NearestSides(5, maximum: 16));
        Assert.Equal(32, new InputSizeRule(31, 16, 224, 224, "").Smallest);
        Assert.Equal("sides of at least 32 px that are multiples of 16 (native 224x224; floored)", rule.Describe());
        Assert.Equal("any side of at least 31 px (native 64x64; floors)", new InputSizeRule(31, 1, 64, 64, "floors").Describe());
    }

    [Fact]
    public void A_family_without_a_rule_is_named()
    {
        var error = Assert.Throws<NotSupportedException>(() => InputSizeRules.For(new UnknownConfig()));
        Assert.Equal("Odd: no input-size rule is known for family 'odd-family'.", error.Message);
    }

    private sealed record UnknownConfig : IModelConfig
    {
        public string Name => "Odd";
        public string Family => "odd-family";
        public string SpecPath => "odd.model.json";
    }
}
