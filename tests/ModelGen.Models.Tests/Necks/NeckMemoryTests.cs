using ModelGen.Models.Necks;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Necks;

/// <summary>
/// A neck forward leaves no native tensors behind but its output, and a training step nothing but the
/// gradients (TorchSharp counts live tensors per thread), as <c>Backbones/NativeMemoryTests</c> checks for backbones.
/// </summary>
public sealed class NeckMemoryTests
{
    [Theory]
    [InlineData(nameof(LastLayerNeck))]
    [InlineData(nameof(LastLayerProjNeck))]
    [InlineData("LastLayerProjNeck x2")]
    [InlineData(nameof(MultiLayerTransformerNeck))]
    public void Forward_leaves_no_live_tensors(string neckName)
    {
        var (neck, features) = Build(neckName);
        using (neck)
        {
            using (no_grad())
                neck.Forward(features).Dispose();

            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using (no_grad())
                neck.Forward(features).Dispose();

            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            foreach (var feature in features)
                feature.Dispose();
        }
    }

    [Theory]
    [InlineData(nameof(LastLayerProjNeck))]
    [InlineData("LastLayerProjNeck x2")]
    [InlineData(nameof(MultiLayerTransformerNeck))]
    public void Training_step_leaves_no_live_tensors_but_the_gradients(string neckName)
    {
        var (neck, features) = Build(neckName);
        using (neck)
        {
            neck.train();
            Step(neck, features);

            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Step(neck, features);

            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            Assert.All(neck.parameters(), p => Assert.NotNull(p.grad));
            foreach (var feature in features)
                feature.Dispose();
        }
    }

    private static void Step(NeckModule neck, Tensor[] features)
    {
        neck.zero_grad();
        using var scope = NewDisposeScope();
        neck.Forward(features).square().mean().backward();
    }

    /// <summary>The neck and backbone-like features of the distillation cases' shapes.</summary>
    private static (NeckModule Neck, Tensor[] Features) Build(string neckName) => neckName switch
    {
        nameof(LastLayerNeck) => (new LastLayerNeck(), [randn(1, 16, 10, 10), randn(1, 32, 5, 5)]),
        nameof(LastLayerProjNeck) => (new LastLayerProjNeck(32, 16), [randn(1, 16, 10, 10), randn(1, 32, 5, 5)]),
        "LastLayerProjNeck x2" => (new LastLayerProjNeck(32, 16, scaleFactor: 2), [randn(1, 32, 5, 5)]),
        nameof(MultiLayerTransformerNeck) => (
            new MultiLayerTransformerNeck((64, 64), [16, 32, 64, 128], 32, 16),
            [randn(1, 16, 16, 16), randn(1, 32, 8, 8), randn(1, 64, 4, 4), randn(1, 128, 2, 2)]),
        _ => throw new ArgumentOutOfRangeException(nameof(neckName), neckName, null),
    };
}
