using ModelGen.Models.Vitamin;
using static TorchSharp.torch;

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

    [Fact]
    public void The_additional_final_layer_replaces_the_intermediate_output()
    {
        using var model = new VitaminMicroRwkvMbconvFinal();
        Assert.Equal(["RwkvBlock", "MbConv1d", "RwkvBlock", "MbConv1d"], model.Layers.Select(l => l.GetType().Name));
        Assert.Equal(0.1, VitaminMicroRwkvMbconvFinalConfig.Default.AttnCfg.DropPath);
        var keys = model.state_dict().Keys;
        Assert.Contains("final_layer.shortcut.expand.weight", keys);
        Assert.Contains("layers.1.conv2_kxk.weight", keys);
        Assert.Contains("layers.2.attn.spatial_decay", keys);

        using var _ = no_grad();
        using var input = randn(1, 3, 64, 96, generator: new Generator(3));
        using var outputs = model.Forward(input);
        Assert.Equal(["conv_stage1", "conv_stage2", "final_norm", "final_layer"], model.FeatureInfo.Select(f => f.Name));
        long[][] expected = [[1, 16, 16, 24], [1, 32, 8, 12], [1, 64, 4, 6], [1, 128, 2, 3]];
        Assert.Equal(expected, outputs.Select(o => o.shape));
    }
}
