using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamFixtureTests
{
    [Theory]
    [InlineData("sam/sam_tiny_w14", "SamTinyW14")]
    [InlineData("sam/sam_tiny_w3", "SamTinyW3")]
    public void Forward_reproduces_the_upstream_outputs(string fixture, string variant)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        @case.AssertOutputsMatch(outputs, input);
    }

    [Theory]
    [InlineData("sam/sam_tiny_w14", "SamTinyW14", 1L)] // blocks of one query of one head
    [InlineData("sam/sam_tiny_w3", "SamTinyW3", 1L)]
    [InlineData("sam/sam_tiny_w14", "SamTinyW14", 1000L)] // a few queries of one head, or several windows' heads
    [InlineData("sam/sam_tiny_w3", "SamTinyW3", 1000L)]
    public void Forward_in_small_blocks_of_scores_reproduces_the_upstream_outputs(string fixture, string variant, long scoresPerBlock)
    {
        using var @case = FixtureCase.Load(fixture);
        using var model = @case.CreateBackbone(variant);
        foreach (var attention in model.Module.modules().OfType<SamAttention>())
            attention.ScoresPerBlock = scoresPerBlock;

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);

        @case.AssertOutputsMatch(outputs, input);
    }
}
