using ModelGen.Models.Layers.Common;
using ModelGen.Models.Vitamin;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Common;

public sealed class TruncatedNormalTests
{
    [Fact]
    public void A_narrow_normal_far_inside_its_bounds_keeps_its_mean_and_std()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);

        var values = TruncatedNormal.Fill(empty(1000, 1000), std: 0.02);

        Assert.False(values.isnan().any().item<bool>());
        Assert.InRange(values.mean().item<float>(), -2e-4f, 2e-4f);
        Assert.InRange(values.std().item<float>(), 0.0198f, 0.0202f);
    }

    [Fact]
    public void Cut_bounds_keep_every_value_inside_with_the_truncated_mean()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);

        var values = TruncatedNormal.Fill(empty(1000, 1000, ScalarType.Float64), mean: 0, std: 1, a: -0.5, b: 1);

        Assert.True(values.min().item<double>() >= -0.5 && values.max().item<double>() <= 1);
        // (φ(-0.5) - φ(1)) / (Φ(1) - Φ(-0.5)) for the standard normal's density φ and distribution Φ.
        Assert.Equal(0.20663, values.mean().item<double>(), 0.003);
    }

    [Fact]
    public void Vitamins_position_embedding_is_drawn_with_std_0_02()
    {
        using var scope = NewDisposeScope();
        using var model = new VitaminSmallRwkv();

        Assert.InRange(model.PosEmbed.std().item<float>(), 0.0195f, 0.0205f);
    }

    [Fact]
    public void A_bound_below_its_other_is_refused() =>
        Assert.Throws<ArgumentException>(() => TruncatedNormal.Fill(empty(3), a: 1, b: -1));
}
