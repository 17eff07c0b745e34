using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Vitamin;
using ModelGen.Models.Operators;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Dtypes;

/// <summary>
/// Nothing in a forward assumes the CPU. With no GPU here, every family is built on the CPU, moved to LibTorch's meta
/// device and run there while the default device stays the CPU: a tensor a forward made without its input's
/// device would be a CPU tensor meeting meta ones, which LibTorch refuses. Convolutions and normalisations have no
/// meta kernels and run as <see cref="FlopCounter"/> runs them; everything else runs as it would on a GPU.
/// </summary>
[Collection(MetaDeviceCollection.Name)]
public sealed class FamilyDeviceTests
{
    [Theory]
    [MemberData(nameof(FamilyDtypeTests.Variants), MemberType = typeof(FamilyDtypeTests))]
    public void Moved_to_another_device_the_backbone_runs_there(string variant)
    {
        var meta = new Device(DeviceType.META);
        using var model = ModelZoo.Create(variant);
        model.Module.to(meta);
        var sizes = model.InputSizes;
        using var images = zeros(2, 3, sizes.NativeHeight, sizes.NativeWidth, device: meta);

        var count = FlopCounter.Count((nn.Module<Tensor, BackboneOutput>)model.Module, images);

        Assert.Equal(DeviceType.CPU, get_default_device().type);
        Assert.True(count.TotalMacs > 0);
    }

    /// <summary>The tensor-op Bi-WKV that runs off the CPU, in a whole VITAMIN model on the CPU, against the CPU kernel.</summary>
    [Theory]
    [InlineData("VitaminTinyRwkvFixture", ScalarType.Float64, 1e-12)]
    [InlineData("VitaminTinyRwkvFixture", ScalarType.Float32, 1e-6)]
    [InlineData("VitaminMicroRwkvTrans", ScalarType.Float64, 1e-12)]
    public void With_tensor_op_bi_wkv_a_vitamin_backbone_computes_what_the_cpu_kernel_does(
        string variant, ScalarType dtype, double tolerance)
    {
        using var model = ModelZoo.Create(variant);
        model.Module.to(dtype);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sizes = model.InputSizes;
        var input = randn([2, 3, sizes.NativeHeight, sizes.NativeWidth], dtype, generator: new Generator(8));
        var expected = model.Forward(input);

        var mixes = model.Module.modules().OfType<SpatialMix>().ToList();
        Assert.NotEmpty(mixes);
        mixes.ForEach(mix => mix.Mode = BiWkvMode.TensorOps);
        var actual = model.Forward(input);

        for (var i = 0; i < expected.Count; i++)
        {
            var error = ((actual[i] - expected[i]).norm() / expected[i].norm()).to_type(ScalarType.Float64).item<double>();
            Assert.True(error <= tolerance, $"{variant} output {i} in {dtype}: relative error {error:G3}");
        }
    }
}
