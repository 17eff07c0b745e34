using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.OpenClip;
using ModelGen.Models.Layers.Vitamin;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>
/// <c>module.to(dtype or device)</c> on a generated backbone of every family: TorchSharp replaces each
/// parameter and buffer with a new tensor, and the backbone must go on working with the new ones.
/// No GPU is available to these tests: device moves are checked with explicit moves to the CPU, and
/// with LibTorch's meta device standing in for a GPU where only the move itself can be checked.
/// </summary>
public sealed class DeviceAndDtypeTests
{
    public static TheoryData<string, string> Families => new()
    {
        { "sam/sam_tiny_w14", "SamTinyW14" },
        { "clip/clip_rn_tiny", "ClipRnTiny" },
        { "clip/clip_vit_tiny", "ClipViTTiny" },
        { "vitamin/vitamin_tiny_rwkv", "VitaminTinyRwkvFixture" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void In_float64_the_backbone_reproduces_the_fixture_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        model.Module.to(ScalarType.Float64);

        using var input = @case.Read("input").to(ScalarType.Float64);
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        Assert.All(outputs, o => Assert.Equal(ScalarType.Float64, o.dtype));
        @case.AssertOutputsMatch(outputs, input);
    }

    /// <summary>The image embedding also reads what the forward does not: the attention pool's and the projection's parameters.</summary>
    [Theory]
    [InlineData("clip/clip_rn_tiny", "ClipRnTiny")]
    [InlineData("clip/clip_vit_tiny", "ClipViTTiny")]
    public void In_float64_the_clip_embedding_reproduces_the_fixture(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        model.Module.to(ScalarType.Float64);

        using var input = @case.Read("input_native").to(ScalarType.Float64);
        using var _ = no_grad();
        using var embedding = ((IClipImageEncoder)model).Embed(input);

        using var expected = @case.Read("embedding");
        Assert.Equal(ScalarType.Float64, embedding.dtype);
        TensorAssert.Close(expected, embedding, @case.Atol("embedding"), @case.Rtol, $"{fixture} embedding");
    }

    /// <summary>Beyond the four families' fixture variants, those with the other layers: LayerScale, transformer and MBConv token layers, the final layer.</summary>
    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipRnTiny")]
    [InlineData("ClipViTTiny")]
    [InlineData("ClipViTTinyLayerScale")]
    [InlineData("VitaminTinyRwkvFixture")]
    [InlineData("VitaminMicroRwkvTrans")]
    [InlineData("VitaminMicroMbconvRwkv")]
    [InlineData("VitaminMicroRwkvMbconvFinal")]
    public void To_float64_converts_every_parameter_buffer_and_property(string variant)
    {
        using var model = ModelZoo.Create(variant);

        model.Module.to(ScalarType.Float64);

        Assert.NotEqual(0, MovedModuleAssert.HoldsOnly(model.Module, ScalarType.Float64, DeviceType.CPU));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_float64_training_step_puts_float64_gradients_on_the_moved_parameters(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        model.Module.to(ScalarType.Float64);
        model.Module.train();
        using var input = @case.Read("input").to(ScalarType.Float64);

        using (NewDisposeScope())
            model.Forward(input).Select(o => o.square().mean()).Aggregate((a, b) => a + b).backward();

        var trained = model.Module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        Assert.NotEmpty(trained);
        Assert.All(trained, p =>
        {
            Assert.True(p.parameter.grad is not null, $"{p.name} has no gradient");
            Assert.Equal(ScalarType.Float64, p.parameter.grad!.dtype);
        });
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_round_trip_through_float64_leaves_the_weights_and_outputs_unchanged(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        using var scope = NewDisposeScope();
        var before = model.Module.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());

        model.Module.to(ScalarType.Float64).to(ScalarType.Float32);

        var after = model.Module.state_dict();
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (key, value) in before)
        {
            Assert.Equal(value.dtype, after[key].dtype);
            TensorAssert.Close(value, after[key], atol: 0, rtol: 0, key);
        }
        MovedModuleAssert.HoldsOnly(model.Module, ScalarType.Float32, DeviceType.CPU);
        var input = @case.Read("input");
        using (no_grad())
        using (var outputs = model.Forward(input))
            @case.AssertOutputsMatch(outputs, input);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Moving_and_running_in_float64_leave_no_live_tensors(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        using var input = @case.Read("input").to(ScalarType.Float64);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        model.Module.to(ScalarType.Float64).to(ScalarType.Float32).to(ScalarType.Float64);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        using (no_grad())
            model.Forward(input).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>What a CUDA user writes, with the CPU as the device: every overload that names a device.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void Moving_to_the_cpu_explicitly_keeps_the_backbone_working(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        var cpu = new Device(DeviceType.CPU);

        model.Module.to(cpu).to(cpu, ScalarType.Float64).to(DeviceType.CPU).cpu();

        MovedModuleAssert.HoldsOnly(model.Module, ScalarType.Float64, DeviceType.CPU);
        using var input = @case.Read("input").to(ScalarType.Float64, cpu);
        using var _ = no_grad();
        using var outputs = model.Forward(input);
        @case.AssertOutputsMatch(outputs, input);
    }

    /// <summary>A move to the meta device replaces every tensor as a move to CUDA does; no forward can run there (no convolution or layer norm kernels).</summary>
    [Theory]
    [InlineData("SamTinyW14")]
    [InlineData("ClipRnTiny")]
    [InlineData("ClipViTTiny")]
    [InlineData("VitaminTinyRwkvFixture")]
    public void Moving_to_another_device_moves_every_parameter_buffer_and_property(string variant)
    {
        using var model = ModelZoo.Create(variant);

        model.Module.to(new Device(DeviceType.META));

        Assert.NotEqual(0, MovedModuleAssert.HoldsOnly(model.Module, ScalarType.Float32, DeviceType.META));
    }

    [Fact]
    public void Off_the_cpu_an_rwkv_layer_runs_on_its_device()
    {
        var meta = new Device(DeviceType.META);
        using var mix = new SpatialMix(channels: 8, layerId: 0, layerCount: 2);
        mix.to(meta);
        using var tokens = randn(1, 2, 2, 8, device: meta);

        using var mixed = mix.call(tokens);

        Assert.Equal(DeviceType.META, mixed.device_type);
        Assert.Equal(tokens.shape, mixed.shape);
    }
}
