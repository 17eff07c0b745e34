using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Models.Tests.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Necks;

/// <summary>
/// <c>module.to(dtype)</c> on the students of the distillation cases (rwkvsam_tiny: a VITAMIN backbone and
/// <see cref="LastLayerProjNeck"/>; sam2clip_tiny: an OpenCLIP ResNet and <see cref="MultiLayerTransformerNeck"/>),
/// as <c>Backbones/DeviceAndDtypeTests</c> checks it for the backbones alone.
/// </summary>
public sealed class NeckDeviceAndDtypeTests
{
    public static TheoryData<string, string> Students => new()
    {
        { "distill/rwkvsam_tiny", "RwkvSamTinyStudent" },
        { "distill/sam2clip_tiny", "Sam2ClipTinyStudent" },
    };

    [Theory]
    [MemberData(nameof(Students))]
    public void In_float64_the_student_reproduces_the_first_step_features(string fixture, string student)
    {
        using var @case = DistillCase.Load(fixture);
        var (backbone, neck) = Build(@case, student);
        using (backbone)
        using (neck)
        {
            backbone.Module.to(ScalarType.Float64);
            neck.to(ScalarType.Float64);

            using var input = @case.Batch(0).to(ScalarType.Float64);
            using var _ = no_grad();
            using var features = backbone.Forward(input);
            using var feat = neck.Forward(features);

            using var expected = @case.Read("student_feat_step0");
            Assert.Equal(ScalarType.Float64, feat.dtype);
            TensorAssert.Close(expected, feat, @case.Atol("student_feat_step0"), rtol: 0, $"{fixture} student_feat_step0 in float64");
        }
    }

    [Theory]
    [MemberData(nameof(Students))]
    public void To_float64_converts_every_parameter_buffer_and_property_of_the_neck(string fixture, string student)
    {
        using var @case = DistillCase.Load(fixture);
        var (backbone, neck) = Build(@case, student);
        using (backbone)
        using (neck)
        {
            neck.to(ScalarType.Float64);

            Assert.NotEqual(0, MovedModuleAssert.HoldsOnly(neck, ScalarType.Float64, DeviceType.CPU));
        }
    }

    [Theory]
    [MemberData(nameof(Students))]
    public void A_float64_training_step_puts_float64_gradients_on_the_moved_neck_parameters(string fixture, string student)
    {
        using var @case = DistillCase.Load(fixture);
        var (backbone, neck) = Build(@case, student);
        using (backbone)
        using (neck)
        {
            backbone.Module.to(ScalarType.Float64);
            neck.to(ScalarType.Float64);
            neck.train();
            using var input = @case.Batch(0).to(ScalarType.Float64);
            using var features = Features(backbone, input);

            using (NewDisposeScope())
                neck.Forward(features).square().mean().backward();

            Assert.All(neck.named_parameters(), p =>
            {
                Assert.True(p.parameter.grad is not null, $"{p.name} has no gradient");
                Assert.Equal(ScalarType.Float64, p.parameter.grad!.dtype);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Students))]
    public void A_round_trip_through_float64_leaves_the_neck_unchanged(string fixture, string student)
    {
        using var @case = DistillCase.Load(fixture);
        var (backbone, neck) = Build(@case, student);
        using (backbone)
        using (neck)
        {
            using var scope = NewDisposeScope();
            var before = neck.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());

            neck.to(ScalarType.Float64).to(ScalarType.Float32);

            var after = neck.state_dict();
            Assert.Equal(before.Keys, after.Keys);
            foreach (var (key, value) in before)
            {
                Assert.Equal(value.dtype, after[key].dtype);
                TensorAssert.Close(value, after[key], atol: 0, rtol: 0, key);
            }
            MovedModuleAssert.HoldsOnly(neck, ScalarType.Float32, DeviceType.CPU);
        }
    }

    [Theory]
    [MemberData(nameof(Students))]
    public void Moving_and_running_the_neck_in_float64_leave_no_live_tensors(string fixture, string student)
    {
        using var @case = DistillCase.Load(fixture);
        var (backbone, neck) = Build(@case, student);
        using (backbone)
        using (neck)
        {
            backbone.Module.to(ScalarType.Float64);
            using var input = @case.Batch(0).to(ScalarType.Float64);
            using var features = Features(backbone, input);

            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            neck.to(ScalarType.Float64).to(ScalarType.Float32).to(ScalarType.Float64);
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

            using (no_grad())
                neck.Forward(features).Dispose();
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    /// <summary>The student's backbone and neck with the case's initial weights.</summary>
    private static (IBackbone Backbone, NeckModule Neck) Build(DistillCase @case, string student)
    {
        var backbone = ModelZoo.Create(student);
        @case.LoadInitialWeights(backbone.Module, "backbone_student");
        var neck = @case.CreateNeck("neck_student");
        @case.LoadInitialWeights(neck, "neck_student");
        return (backbone, neck);
    }

    private static BackboneOutput Features(IBackbone backbone, Tensor input)
    {
        using var _ = no_grad();
        return backbone.Forward(input);
    }
}
