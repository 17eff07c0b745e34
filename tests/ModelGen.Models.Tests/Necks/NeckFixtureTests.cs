using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Necks;

/// <summary>
/// The student of each distillation case, built from test specs and the neck from the sidecar's config,
/// loaded with the initial weights, reproduces <c>student_feat_step0</c>:
/// <c>neck_student(backbone_student(inputs[batch_order[0]]))</c>. The backbone runs in float32; the neck
/// also in float64, on the backbone's features converted, to show it follows its input's dtype.
/// </summary>
public sealed class NeckFixtureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("distill/rwkvsam_tiny", "RwkvSamTinyStudent", ScalarType.Float32)]
    [InlineData("distill/rwkvsam_tiny", "RwkvSamTinyStudent", ScalarType.Float64)]
    [InlineData("distill/sam2clip_tiny", "Sam2ClipTinyStudent", ScalarType.Float32)]
    [InlineData("distill/sam2clip_tiny", "Sam2ClipTinyStudent", ScalarType.Float64)]
    public void Student_neck_reproduces_the_first_step_features(string fixture, string student, ScalarType neckDtype)
    {
        using var @case = DistillCase.Load(fixture);
        using var backbone = ModelZoo.Create(student);
        var ovsamOpenClip = @case.ModelConfig("backbone_student").GetProperty("type").GetString()!.EndsWith(".OpenCLIPBackbone", StringComparison.Ordinal);
        @case.LoadInitialWeights(backbone.Module, "backbone_student", ovsamOpenClip ? OvsamOpenClipNames.ToTower : null);
        using var neck = @case.CreateNeck("neck_student");
        @case.LoadInitialWeights(neck, "neck_student");
        neck.to(neckDtype);

        using var input = @case.Batch(0);
        using var _ = no_grad();
        using var features = backbone.Forward(input);
        using var scope = NewDisposeScope();
        var feat = neck.Forward(features.Select(f => f.to(neckDtype)).ToList());

        var expected = @case.Read("student_feat_step0");
        var atol = @case.Atol("student_feat_step0");
        var error = (feat.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
        output.WriteLine($"{fixture}, neck in {neckDtype}: max |error| {error:G3}, atol {atol:G3}");
        Assert.Equal(neckDtype, feat.dtype);
        TensorAssert.Close(expected, feat, atol, rtol: 0, $"{fixture} student_feat_step0 (neck in {neckDtype})");
    }
}
