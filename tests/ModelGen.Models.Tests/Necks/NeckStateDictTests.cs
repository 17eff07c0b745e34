using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Necks;

/// <summary>
/// Each neck built from a distillation sidecar's config has the detector's state-dict entries for it.
/// The parameters come in upstream's order (an optimizer's state is indexed by it); TorchSharp's state
/// dict lists buffers after all parameters, PyTorch's per module, which no loader depends on.
/// </summary>
public sealed class NeckStateDictTests
{
    [Theory]
    [InlineData("distill/rwkvsam_tiny", "neck_student")]
    [InlineData("distill/rwkvsam_tiny", "neck_teacher")]
    [InlineData("distill/sam2clip_tiny", "neck_student")]
    [InlineData("distill/sam2clip_tiny", "neck_teacher")]
    public void State_dict_has_the_upstream_keys_shapes_and_kinds(string fixture, string module)
    {
        using var @case = DistillCase.Load(fixture);
        using var neck = @case.CreateNeck(module);
        var expected = @case.StateDict(module);

        var actual = neck.state_dict();
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Where(e => e.Kind == "parameter").Select(e => e.Key), neck.named_parameters().Select(p => p.name));
        var parameters = neck.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (key, shape, kind, requiresGrad) in expected)
        {
            Assert.True(shape.SequenceEqual(actual[key].shape), $"{key}: [{string.Join(", ", actual[key].shape)}], expected [{string.Join(", ", shape)}]");
            Assert.Equal(kind == "parameter", parameters.ContainsKey(key));
            if (parameters.TryGetValue(key, out var parameter))
                Assert.Equal(requiresGrad, parameter.requires_grad);
        }
    }

    [Fact]
    public void Pos_embed_starts_as_the_SAM_position_embedding_that_embedding_path_names()
    {
        using var @case = DistillCase.Load("distill/sam2clip_tiny");
        using var neck = (Models.Necks.MultiLayerTransformerNeck)@case.CreateNeck("neck_student");

        using var expected = @case.Read("init.neck_student.pos_embed");
        Assert.Equal(expected.data<float>().ToArray(), neck.PosEmbed.data<float>().ToArray());
    }
}
