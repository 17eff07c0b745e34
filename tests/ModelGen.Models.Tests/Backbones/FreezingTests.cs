using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.OpenClip;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

public sealed class FreezingTests
{
    [Fact]
    public void A_fixed_backbone_has_no_trainable_parameter_stays_in_eval_mode_and_builds_no_graph()
    {
        using var model = new SamTinyW14(fix: true);
        using var parent = new ModuleList<nn.Module>(model);

        parent.train();

        Assert.True(model.IsFixed);
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        Assert.Equal(0, model.TrainableParameterCount);
        Assert.All(model.modules(), m => Assert.False(m.training));
        using var input = randn(1, 3, 256, 256).requires_grad_();
        using var outputs = model.Forward(input);
        Assert.All(outputs, o => Assert.False(o.requires_grad));
    }

    [Fact]
    public void The_spec_fix_field_is_the_constructor_default()
    {
        using var fixedBySpec = new SamTinyFixed();
        using var overridden = new SamTinyFixed(fix: false);
        using var trainable = new SamTinyW14();

        Assert.True(SamTinyFixedConfig.Default.Fix);
        Assert.True(fixedBySpec.IsFixed);
        Assert.False(overridden.IsFixed);
        Assert.False(trainable.IsFixed);
        Assert.Equal(trainable.ParameterCount, trainable.TrainableParameterCount);
    }

    [Fact]
    public void A_trainable_backbone_gets_gradients_on_every_parameter()
    {
        using var model = new SamTinyW14();
        model.train();
        using var input = randn(1, 3, 256, 256);
        using (var outputs = model.Forward(input))
        using (var loss = outputs.Select(o => o.square().mean()).Aggregate((a, b) => a + b))
            loss.backward();

        Assert.All(model.named_parameters(), p => Assert.True(p.parameter.grad is not null, $"{p.name} got no gradient"));
    }

    [Fact]
    public void OpenCLIP_fixLayers_freezes_the_listed_stages_and_the_stem_and_keeps_their_BatchNorm_statistics()
    {
        using var @case = FixtureCase.Load("clip/clip_rn_tiny");
        using var model = new ClipRnTiny(fixLayers: [0, 2]);
        @case.LoadWeightsInto(model);
        var frozenPrefixes = new[] { "conv", "bn", "layer1.", "layer3.", "attnpool." };
        bool Frozen(string name) => frozenPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

        Assert.All(model.named_parameters(), p => Assert.Equal(!Frozen(p.name), p.parameter.requires_grad));
        var statistics = model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)).ToDictionary(b => b.name, b => b.buffer.clone());

        model.train();
        Assert.False(model.Bn1.training);
        Assert.False(model.Layer1.training);
        Assert.False(model.Layer3[0].training);
        Assert.True(model.Layer2.training);
        Assert.True(model.Layer4[0].training);
        using var input = @case.Read("input");
        using (var outputs = model.Forward(input))
        using (var loss = outputs[3].square().mean())
            loss.backward();

        foreach (var (name, buffer) in model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)))
            Assert.Equal(Frozen(name), buffer.equal(statistics[name]).all().item<bool>());
        foreach (var (name, parameter) in model.named_parameters())
            Assert.Equal(!Frozen(name), parameter.grad is not null);
        foreach (var tensor in statistics.Values)
            tensor.Dispose();
    }

    [Fact]
    public void OpenCLIP_fixLayers_outside_the_four_stages_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipRnTiny(fixLayers: [4]));
    }
}
