using ModelGen.Models.Layers.Common;
using ModelGen.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Optim;

public sealed class ParameterGroupsTests
{
    [Fact]
    public void Norm_layers_get_the_multiplied_decay_and_everything_else_the_base()
    {
        using var model = nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3)),
            ("bn", nn.BatchNorm2d(4)),
            ("inner", nn.Sequential(
                ("ln", nn.LayerNorm(4)),
                ("gn", nn.GroupNorm(2, 4)),
                ("in", nn.InstanceNorm2d(4, affine: true)))),
            ("timm_ln2d", new LayerNorm2d(4, 1e-6, isTorchLayerNorm: true)),
            ("sam_ln2d", new LayerNorm2d(4, 1e-6)),
            ("linear", nn.Linear(4, 2)));
        var groups = ParameterGroups.Build(model, baseWeightDecay: 0.05, new ParamwiseOptions(NormDecayMult: 0.1));

        Assert.Equal(model.named_parameters().Select(p => p.name), groups.Select(g => g.Name));
        var decay = groups.ToDictionary(g => g.Name, g => g.WeightDecay);
        foreach (var name in new[] { "bn", "inner.ln", "inner.gn", "inner.in", "timm_ln2d" })
        {
            Assert.Equal(0.05 * 0.1, decay[$"{name}.weight"]);
            Assert.Equal(0.05 * 0.1, decay[$"{name}.bias"]);
        }
        foreach (var name in new[] { "conv", "sam_ln2d", "linear" })
        {
            Assert.Equal(0.05, decay[$"{name}.weight"]);
            Assert.Equal(0.05, decay[$"{name}.bias"]);
        }
    }

    [Fact]
    public void Frozen_parameters_keep_the_base_decay_and_no_options_mean_no_change()
    {
        var frozenNorm = nn.LayerNorm(4);
        using var model = nn.Sequential(("ln", frozenNorm), ("bn", nn.BatchNorm1d(4)));
        foreach (var parameter in frozenNorm.parameters())
            parameter.requires_grad = false;

        var withMult = ParameterGroups.Build(model, 0.05, new ParamwiseOptions(NormDecayMult: 0.0)).ToDictionary(g => g.Name, g => g.WeightDecay);
        Assert.Equal(0.05, withMult["ln.weight"]);
        Assert.Equal(0.0, withMult["bn.weight"]);

        Assert.All(ParameterGroups.Build(model, 0.05, new ParamwiseOptions()), g => Assert.Equal(0.05, g.WeightDecay));
    }
}
