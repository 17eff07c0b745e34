using System.Text.Json;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// The distillation fixtures' compositions, generated from Specs/*_tiny.model.json, declare exactly what the
/// fixtures' sidecars record of upstream's run (model_config, data, optimizer, schedule), so that the trajectory
/// tests, which build their models from these compositions, train what upstream trained.
/// </summary>
public sealed class TinyCompositionTests
{
    public static TheoryData<string> Cases() => new(DistillationSetup.Compositions.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_composition_declares_the_fixtures_model(string @case)
    {
        using var sidecar = DistillSidecar.Load(@case);
        var spec = DistillationZoo.Describe(DistillationSetup.Compositions[@case]).Spec;
        var config = sidecar.Root.GetProperty("model_config");

        Assert.Equal(config.GetProperty("use_cache").GetBoolean(), spec.UseCache);
        Assert.Equal(IsFixed(config.GetProperty("backbone_teacher")), spec.Teacher.Fix);
        Assert.Equal(IsFixed(config.GetProperty("backbone_student")), spec.Student.Fix);
        Assert.Equal(TypeName(config.GetProperty("neck_teacher")), spec.TeacherNeck.Type.Name);
        var neck = config.GetProperty("neck_student");
        Assert.Equal(TypeName(neck), spec.StudentNeck.Type.Name);
        Assert.Equal(IsFixed(neck), spec.StudentNeck.Fix);
        Assert.Equal(neck.TryGetProperty("embedding_path", out _), spec.StudentNeckEmbeddingFromTeacher);
        var loss = config.GetProperty("loss_distill");
        Assert.Equal(new DistillationLoss(loss.GetProperty("reduction").GetString()!, loss.GetProperty("loss_weight").GetDouble()), spec.Loss);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_composition_builds_the_fixtures_student_neck(string @case)
    {
        using var sidecar = DistillSidecar.Load(@case);
        var neck = sidecar.Root.GetProperty("model_config").GetProperty("neck_student");
        using var composition = DistillationZoo.Create(DistillationSetup.Compositions[@case], withTeacher: false);
        var built = composition.Model.StudentNeck;

        switch (built)
        {
            case Models.Necks.LastLayerProjNeck projection:
                Assert.Equal((Int(neck, "in_channels"), Int(neck, "out_channels"), 1.0), (projection.InChannels, projection.OutChannels, projection.ScaleFactor));
                break;
            case Models.Necks.MultiLayerTransformerNeck transformer:
                Assert.Equal((Ints(neck, "input_size")[0], Ints(neck, "input_size")[1]), transformer.InputSize);
                Assert.Equal(Ints(neck, "in_channels"), transformer.InChannels);
                Assert.Equal(Ints(neck, "layer_ids"), transformer.LayerIds);
                Assert.Equal(Ints(neck, "strides"), transformer.Strides);
                Assert.Equal((Int(neck, "embed_channels"), Int(neck, "out_channels")), (transformer.EmbedChannels, transformer.OutChannels));
                break;
            default:
                Assert.Fail($"{@case}: unexpected student neck {built.GetType().Name}.");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_composition_declares_the_fixtures_input_and_recipe(string @case)
    {
        using var sidecar = DistillSidecar.Load(@case);
        var spec = DistillationZoo.Describe(DistillationSetup.Compositions[@case]).Spec;
        var data = sidecar.Root.GetProperty("data");
        var preprocess = data.GetProperty("preprocess");
        var shape = Ints(data, "input_shape");

        Assert.Equal((shape[^2], shape[^1]), (spec.Input.Height, spec.Input.Width));
        Assert.Equal(Numbers(preprocess, "mean"), spec.Input.Preprocessing.Mean);
        Assert.Equal(Numbers(preprocess, "std"), spec.Input.Preprocessing.Std);
        Assert.Equal(preprocess.GetProperty("bgr_to_rgb").GetBoolean() ? "RGB" : "BGR", spec.Input.Preprocessing.ChannelOrder);

        var optimizer = sidecar.Optimizer.GetProperty("optimizer");
        var betas = Numbers(optimizer, "betas");
        var schedulers = sidecar.Schedule.GetProperty("param_scheduler").EnumerateArray().ToArray();
        var expected = new DistillationRecipe(
            LearningRate: optimizer.GetProperty("lr").GetDouble(),
            WeightDecay: optimizer.GetProperty("weight_decay").GetDouble(),
            NormDecayMult: sidecar.Optimizer.GetProperty("paramwise_cfg").GetProperty("norm_decay_mult").GetDouble(),
            Beta1: betas[0],
            Beta2: betas[1],
            Eps: optimizer.GetProperty("eps").GetDouble(),
            MaxGradNorm: sidecar.Optimizer.GetProperty("optim_wrapper").GetProperty("clip_grad").GetProperty("max_norm").GetDouble(),
            WarmupIterations: schedulers[0].GetProperty("end").GetInt32(),
            WarmupStartFactor: schedulers[0].GetProperty("start_factor").GetDouble(),
            Epochs: sidecar.Schedule.GetProperty("max_epochs").GetInt32(),
            EtaMinRatio: schedulers[1].GetProperty("eta_min_ratio").GetDouble(),
            BatchSize: data.GetProperty("batch_size").GetInt32(),
            BaseBatchSize: sidecar.Optimizer.GetProperty("auto_scale_lr").GetProperty("base_batch_size").GetInt32());
        Assert.Equal(expected, spec.Recipe);
    }

    private static string TypeName(JsonElement config)
    {
        var type = config.GetProperty("type").GetString()!;
        return type[(type.LastIndexOf('.') + 1)..];
    }

    private static bool IsFixed(JsonElement config) => config.TryGetProperty("fix", out var fix) && fix.GetBoolean();

    private static int Int(JsonElement config, string property) => config.GetProperty(property).GetInt32();

    private static int[] Ints(JsonElement config, string property) => config.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static double[] Numbers(JsonElement config, string property) => config.GetProperty(property).EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
