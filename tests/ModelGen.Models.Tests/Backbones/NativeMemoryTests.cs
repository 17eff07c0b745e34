using ModelGen.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Backbones;

/// <summary>
/// A forward pass must not leave native tensors behind: every intermediate is disposed, and the
/// outputs are freed with the <see cref="BackboneOutput"/>. TorchSharp counts live tensors per thread.
/// </summary>
public sealed class NativeMemoryTests
{
    [Theory]
    [InlineData("SamTinyW14", 64, 96)]
    [InlineData("ClipRnTiny", 96, 64)]
    [InlineData("ClipViTTiny", 56, 70)]
    [InlineData("VitaminTinyRwkvFixture", 64, 80)]
    [InlineData("VitaminMicroRwkvTrans", 48, 64)]
    [InlineData("VitaminMicroMbconvRwkv", 64, 48)]
    public void Forward_leaves_no_live_tensors(string variant, int height, int width)
    {
        using var model = ModelZoo.Create(variant);
        using var images = randn(1, 3, height, width);
        using (no_grad())
            model.Forward(images).Dispose();

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (no_grad())
            model.Forward(images).Dispose();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Theory]
    [InlineData("SamTinyW14", 64, 96)]
    [InlineData("VitaminTinyRwkvFixture", 64, 80)]
    public void Training_step_leaves_no_live_tensors_but_the_gradients(string variant, int height, int width)
    {
        using var model = ModelZoo.Create(variant);
        model.Module.train();
        using var images = randn(1, 3, height, width);
        Step(model, images);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Step(model, images);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.All(model.Module.parameters(), p => Assert.NotNull(p.grad));
    }

    private static void Step(IBackbone model, Tensor images)
    {
        model.Module.zero_grad();
        using var scope = NewDisposeScope();
        var outputs = model.Forward(images);
        outputs.Select(o => o.square().mean()).Aggregate((a, b) => a + b).backward();
    }
}
