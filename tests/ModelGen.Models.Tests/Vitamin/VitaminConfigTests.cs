using ModelGen.Models.Vitamin;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class VitaminConfigTests
{
    [Fact]
    public void Left_out_attnCfg_fields_take_upstreams_defaults()
    {
        var config = VitaminSmallTransformerConfig.Default;
        Assert.Equal("small", config.ModelVariant);
        Assert.Equal(14, config.AttnCfg.Depth);
        Assert.Equal(6, config.AttnCfg.NumHeads);
        Assert.Equal(0.0, config.AttnCfg.DropPath);
        Assert.Equal(new[] { 2, 5, 8, 11 }, config.AttnCfg.GlobalAttnIndexes);
        Assert.Null(config.AttnCfg.MlpRatio);
    }

    [Fact]
    public void Explicit_sizes_stand_in_for_modelVariant()
    {
        var config = VitaminMicroRwkvTransConfig.Default;
        Assert.Null(config.ModelVariant);
        Assert.Equal(16, config.StemWidth);
        Assert.Equal(new[] { 16, 32, 64 }, config.EmbedDims);
        Assert.Equal(new[] { 2, 4, 1 }, config.Depths);
    }

    [Fact]
    public void The_hybrid_layout_puts_transformer_layers_at_the_global_indexes()
    {
        using var model = new VitaminMicroRwkvTrans();
        var kinds = model.Layers.Select(l => l.GetType().Name).ToArray();
        var expected = Enumerable.Range(0, 14).Select(i => i is 2 or 5 or 8 or 11 ? "TransformerLayer" : "RwkvBlock");
        Assert.Equal(expected, kinds);
    }
}
