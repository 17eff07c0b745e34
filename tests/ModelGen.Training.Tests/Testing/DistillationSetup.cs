using System.Text.Json;
using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Training.Distillation;
using ModelGen.Training.Optim;
using ModelGen.Training.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Testing;

/// <summary>
/// The composition of a distillation fixture, built from its sidecar's <c>model_config</c> (the tiny variants are
/// this project's specs) and loaded with <c>init.*</c>; the optimizer, schedule and trainer from its
/// <c>optimizer</c> and <c>schedule</c>. Frozen (<c>fix=True</c>) backbones are built fixed.
/// </summary>
internal sealed class DistillationSetup : IDisposable
{
    private static readonly Dictionary<string, string> SamVariants = new() { ["vit_tiny_a"] = "SamVitTinyA", ["vit_tiny_b"] = "SamVitTinyB" };

    private readonly nn.Module[] _frozen;

    private DistillationSetup(BackboneDistillation model, IReadOnlyDictionary<string, string> toFixture, nn.Module[] frozen)
    {
        Model = model;
        ToFixture = toFixture;
        _frozen = frozen;
    }

    public BackboneDistillation Model { get; }

    /// <summary>The fixture's (detector's) name of every state-dict key of <see cref="Model"/>.</summary>
    public IReadOnlyDictionary<string, string> ToFixture { get; }

    public IReadOnlyList<nn.Module> Frozen => _frozen;

    /// <param name="dtype">The dtype the modules are built in (the process default is switched while they are built).</param>
    public static DistillationSetup Build(DistillFixture fixture, ScalarType dtype)
    {
        var config = fixture.Sidecar.Root.GetProperty("model_config");
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            var teacherConfig = config.GetProperty("backbone_teacher");
            var teacher = ModelZoo.Create(SamVariants[teacherConfig.GetProperty("model_name").GetString()!], fix: IsFixed(teacherConfig));
            var studentConfig = config.GetProperty("backbone_student");
            var student = ModelZoo.Create(TypeName(studentConfig) switch
            {
                "VITAMINBackbone" => "VitaminNanoRwkv",
                "OpenCLIPBackbone" => "OpenClipRNTiny",
                var other => throw new NotSupportedException($"{fixture.Name}: no student for {other}."),
            }, fix: IsFixed(studentConfig));
            var studentNeck = CreateNeck(config.GetProperty("neck_student"));
            var teacherNeck = CreateNeck(config.GetProperty("neck_teacher"));
            var lossWeight = config.GetProperty("loss_distill").GetProperty("loss_weight").GetDouble();
            var model = new BackboneDistillation(student, studentNeck, teacher, teacherNeck, lossWeight);

            var toFixture = new Dictionary<string, string>();
            AddPrefixed(toFixture, "backbone_teacher", fixture.LoadInit(teacher.Module, "backbone_teacher"));
            AddPrefixed(toFixture, "backbone_student", fixture.LoadInit(student.Module, "backbone_student"));
            AddPrefixed(toFixture, "neck_student", fixture.LoadInit(studentNeck, "neck_student"));

            var frozen = new[] { teacher, student }.Where(b => b.IsFixed).Select(b => b.Module).ToArray();
            return new DistillationSetup(model, toFixture, frozen);
        }
        finally
        {
            set_default_dtype(previous);
        }
    }

    /// <summary>The AdamW of the sidecar over mmengine's parameter groups of the model, with its clipping and schedule, as a trainer.</summary>
    public DistillationTrainer CreateTrainer(DistillSidecar sidecar, int? epochLength = null)
    {
        var optimizer = sidecar.Optimizer.GetProperty("optimizer");
        var betas = optimizer.GetProperty("betas").EnumerateArray().Select(b => b.GetDouble()).ToArray();
        var autoScale = sidecar.Optimizer.GetProperty("auto_scale_lr");
        var options = new AdamWOptions(
            LearningRate: optimizer.GetProperty("lr").GetDouble() * autoScale.GetProperty("applied_ratio").GetDouble(),
            WeightDecay: optimizer.GetProperty("weight_decay").GetDouble(),
            Beta1: betas[0],
            Beta2: betas[1],
            Eps: optimizer.GetProperty("eps").GetDouble());
        var paramwise = sidecar.Optimizer.GetProperty("paramwise_cfg");
        var groups = ParameterGroups.Build(Model, options.WeightDecay, new ParamwiseOptions(paramwise.GetProperty("norm_decay_mult").GetDouble()));
        var adamW = new AdamWOptimizer(groups, options);

        var schedulers = sidecar.Schedule.GetProperty("param_scheduler").EnumerateArray().ToArray();
        var schedule = LrSchedule.LinearWarmupCosine(
            adamW.LearningRates,
            startFactor: schedulers[0].GetProperty("start_factor").GetDouble(),
            warmupIterations: schedulers[0].GetProperty("end").GetInt32(),
            maxEpochs: schedulers[1].GetProperty("end").GetInt32(),
            epochLength: epochLength ?? sidecar.Schedule.GetProperty("epoch_length").GetInt32(),
            etaMinRatio: schedulers[1].GetProperty("eta_min_ratio").GetDouble());
        var clip = sidecar.Optimizer.GetProperty("optim_wrapper").GetProperty("clip_grad");
        Assert.Equal(2, clip.GetProperty("norm_type").GetInt32());
        return new DistillationTrainer(Model, adamW, schedule, clip.GetProperty("max_norm").GetDouble());
    }

    public void Dispose() => Model.Dispose();

    private static NeckModule CreateNeck(JsonElement config) => TypeName(config) switch
    {
        nameof(LastLayerNeck) => new LastLayerNeck(),
        nameof(LastLayerProjNeck) => new LastLayerProjNeck(config.GetProperty("in_channels").GetInt32(), config.GetProperty("out_channels").GetInt32()),
        // pos_embed (upstream copies it from the SAM checkpoint named by embedding_path) is a buffer that init.* holds.
        nameof(MultiLayerTransformerNeck) => new MultiLayerTransformerNeck(
            (Ints(config, "input_size")[0], Ints(config, "input_size")[1]),
            Ints(config, "in_channels"),
            config.GetProperty("embed_channels").GetInt32(),
            config.GetProperty("out_channels").GetInt32(),
            Ints(config, "layer_ids"),
            Ints(config, "strides"),
            fix: IsFixed(config)),
        var other => throw new NotSupportedException($"No neck for {other}."),
    };

    private static string TypeName(JsonElement config)
    {
        var type = config.GetProperty("type").GetString()!;
        return type[(type.LastIndexOf('.') + 1)..];
    }

    private static bool IsFixed(JsonElement config) => config.TryGetProperty("fix", out var fix) && fix.GetBoolean();

    private static int[] Ints(JsonElement config, string property) => config.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static void AddPrefixed(Dictionary<string, string> map, string prefix, IReadOnlyDictionary<string, string> names)
    {
        foreach (var (moduleName, fixtureName) in names)
            map.Add($"{prefix}.{moduleName}", fixtureName);
    }
}
