using ModelGen.Training.Compositions;
using ModelGen.Training.Distillation;
using ModelGen.Training.Optim;
using ModelGen.Training.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Testing;

/// <summary>
/// The composition of a distillation fixture, generated from this project's spec of it (Specs/&lt;case&gt;.model.json,
/// which <see cref="Compositions.TinyCompositionTests"/> checks against the sidecar's <c>model_config</c>) and loaded
/// with <c>init.*</c>; the optimizer, schedule and trainer from its <c>optimizer</c> and <c>schedule</c>.
/// </summary>
internal sealed class DistillationSetup : IDisposable
{
    /// <summary>The generated composition of each fixture case.</summary>
    public static readonly IReadOnlyDictionary<string, string> Compositions = new Dictionary<string, string>
    {
        ["rwkvsam_tiny"] = nameof(Distillation.RwkvSamTiny),
        ["sam2clip_tiny"] = nameof(Distillation.Sam2ClipTiny),
    };

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
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            var model = DistillationZoo.Create(Compositions[fixture.Name]).Model;
            var teacher = model.Teacher!;
            var toFixture = new Dictionary<string, string>();
            AddPrefixed(toFixture, "backbone_teacher", fixture.LoadInit(teacher.Module, "backbone_teacher"));
            AddPrefixed(toFixture, "backbone_student", fixture.LoadInit(model.Student.Module, "backbone_student"));
            AddPrefixed(toFixture, "neck_student", fixture.LoadInit(model.StudentNeck, "neck_student"));

            var frozen = new[] { teacher, model.Student }.Where(b => b.IsFixed).Select(b => b.Module).ToArray();
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

    private static void AddPrefixed(Dictionary<string, string> map, string prefix, IReadOnlyDictionary<string, string> names)
    {
        foreach (var (moduleName, fixtureName) in names)
            map.Add($"{prefix}.{moduleName}", fixtureName);
    }
}
