using System.Text.Json;
using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Models.OpenClip;
using ModelGen.Models.Sam;
using ModelGen.Models.Vitamin;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Testing;
using TorchSharp;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// The compositions generated from src/Training/Specs: registered with DistillationZoo, carrying upstream's
/// configs as their Spec, and built (on the meta device) from the parts those configs name, whose weights match the
/// manifests of the real upstream variants.
/// </summary>
[Collection(MetaDeviceCollection.Name)]
public sealed class BuiltInCompositionTests
{
    [Theory]
    [InlineData(nameof(Sam2ClipVitHRN50x16))]
    [InlineData(nameof(RwkvSamVitHVitaminSmallMlp2))]
    public void Each_built_in_composition_is_registered_with_its_spec(string name)
    {
        var registration = DistillationZoo.Describe(name);

        Assert.Equal($"ModelGen.Training.Compositions.{name}", registration.FullName);
        Assert.Equal(name, registration.Spec.Name);
        Assert.Same(registration.CompositionType.GetProperty("Declaration", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)!.GetValue(null), registration.Spec);
        Assert.Equal(new DistillationRecipe(), registration.Spec.Recipe);
        Assert.Equal(new DistillationLoss("mean", 1.0), registration.Spec.Loss);
        Assert.True(registration.Spec.UseCache);
        var input = registration.Spec.Input;
        Assert.Equal((1024, 1024, 0.0), (input.Height, input.Width, input.PadValue));
        Assert.Equal([123.675, 116.28, 103.53], input.Preprocessing.Mean);
        Assert.Equal([58.395, 57.12, 57.375], input.Preprocessing.Std);
        Assert.Equal((255.0, "RGB"), (input.Preprocessing.InputScale, input.Preprocessing.ChannelOrder));
        Assert.Equal(new DistillationPart(typeof(SamVitH), "backbone_teacher.", "ovsam", Fix: true, Pretrained: "sa1b"), registration.Spec.Teacher);
        Assert.Equal(new DistillationPart(typeof(LastLayerNeck), "neck_teacher.", null, Fix: true), registration.Spec.TeacherNeck);
    }

    [Fact]
    public void Sam2Clip_declares_upstreams_frozen_clip_student_and_its_trainable_transformer_neck()
    {
        var spec = Sam2ClipVitHRN50x16.Declaration;

        Assert.Equal("seg/configs/sam2clip/sam2clip_vith_rn50x16.py", spec.UpstreamConfig);
        Assert.Equal(new DistillationPart(typeof(OpenClipRN50x16), "backbone_student.", "ovsam", Fix: true, Pretrained: "openai"), spec.Student);
        Assert.Equal(new DistillationPart(typeof(MultiLayerTransformerNeck), "neck_student.", null, Fix: false), spec.StudentNeck);
        Assert.True(spec.StudentNeckEmbeddingFromTeacher);
    }

    [Fact]
    public void RwkvSam_declares_upstreams_trainable_vitamin_student_read_from_a_backbone_checkpoint()
    {
        var spec = RwkvSamVitHVitaminSmallMlp2.Declaration;

        Assert.Equal("projects/rwkvsam/configs/backbone_dist/rwkvsam1001_000_vith_vitamin_rwkv_small_mlp2.py", spec.UpstreamConfig);
        Assert.Equal(new DistillationPart(typeof(VitaminSmallRwkvSam), "backbone_student.", null, Fix: false, CheckpointPrefix: "backbone."), spec.Student);
        Assert.Equal(new DistillationPart(typeof(LastLayerProjNeck), "neck_student.", null, Fix: false), spec.StudentNeck);
        Assert.False(spec.StudentNeckEmbeddingFromTeacher);
    }

    [Fact]
    public void Sam2Clip_builds_the_upstream_parts_and_trains_only_its_neck()
    {
        MetaBuild.Inspect(() => new Sam2ClipVitHRN50x16(), composition =>
        {
            AssertMatchesManifest("sam/sam_vit_h.keys.json", composition.Teacher!);
            AssertMatchesManifest("clip/clip_RN50x16.keys.json", composition.Student);
            Assert.Equal((1024, 1024), composition.StudentNeck.InputSize);
            Assert.Equal([384, 768, 1536, 3072], composition.StudentNeck.InChannels);
            Assert.Equal((1280, 256), (composition.StudentNeck.EmbedChannels, composition.StudentNeck.OutChannels));
            Assert.NotEmpty(composition.TrainableParameters);
            Assert.All(composition.TrainableParameters, p => Assert.StartsWith("neck_student.", p.Name));
        });
    }

    [Fact]
    public void RwkvSam_without_its_teacher_builds_the_upstream_student_and_trains_it_with_its_projection()
    {
        MetaBuild.Inspect(() => new RwkvSamVitHVitaminSmallMlp2(withTeacher: false), composition =>
        {
            Assert.False(composition.HasTeacher);
            Assert.Null(composition.Teacher);
            Assert.Null(composition.TeacherNeck);
            AssertMatchesManifest("vitamin/vitamin_small_rwkv_mlp2_rwkvsam_config.keys.json", composition.Student);
            Assert.Equal((384, 256, 1.0), (composition.StudentNeck.InChannels, composition.StudentNeck.OutChannels, composition.StudentNeck.ScaleFactor));
            Assert.DoesNotContain(composition.Model.state_dict().Keys, k => k.StartsWith("backbone_teacher.", StringComparison.Ordinal));
            var trainable = composition.TrainableParameters.Select(p => p.Name).ToList();
            Assert.Equal(composition.Student.parameters().Count() + composition.StudentNeck.parameters().Count(), trainable.Count);
            Assert.Contains(trainable, n => n.StartsWith("backbone_student.", StringComparison.Ordinal));
            Assert.Contains(trainable, n => n.StartsWith("neck_student.out_proj.", StringComparison.Ordinal));
        });
    }

    /// <summary>The module's state-dict keys and shapes are the manifest's (the real upstream variant's).</summary>
    private static void AssertMatchesManifest(string manifest, torch.nn.Module module)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Fixtures, manifest)));
        var expected = document.RootElement.GetProperty("keys").EnumerateObject()
            .ToDictionary(p => p.Name, p => string.Join(",", p.Value.EnumerateArray().Select(d => d.GetInt64())));
        var actual = module.state_dict().ToDictionary(p => p.Key, p => string.Join(",", p.Value.shape));
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
