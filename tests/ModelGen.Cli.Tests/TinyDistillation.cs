using ModelGen.Models.Necks;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Compositions;

namespace ModelGen.Cli.Tests;

/// <summary>
/// A tiny composition for the distillation commands, written as the generator emits one from a distillation spec (a
/// constructor taking <c>withTeacher</c>, a static <c>Spec</c>, a module initializer registering with DistillationZoo):
/// to be replaced by such a spec once the generator emits them.
/// </summary>
public sealed class TinyDistillation : DistillationComposition<CliDistillTeacher, LastLayerNeck, CliDistillStudent, LastLayerNeck>
{
    public static new DistillationSpec Spec { get; } = new(
        nameof(TinyDistillation),
        "A 64-pixel SAM teacher distilled into a one-block SAM student, features cached.",
        "",
        new DistillationPart(typeof(CliDistillTeacher), "backbone_teacher.", "ovsam", Fix: true),
        new DistillationPart(typeof(LastLayerNeck), "neck_teacher.", null, Fix: true),
        new DistillationPart(typeof(CliDistillStudent), "backbone_student.", null, Fix: false, CheckpointPrefix: "backbone_student."),
        new DistillationPart(typeof(LastLayerNeck), "neck_student.", null, Fix: false),
        StudentNeckEmbeddingFromTeacher: false,
        new DistillationLoss(),
        new DistillationInput(64, 64, new Preprocessing([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], 255)),
        UseCache: true,
        new DistillationRecipe(LearningRate: 1e-2, WarmupIterations: 2, Epochs: 3, BatchSize: 2, BaseBatchSize: null));

    public TinyDistillation(bool withTeacher = true)
        : base(Spec, withTeacher ? new CliDistillTeacher() : null, withTeacher ? new LastLayerNeck() : null, new CliDistillStudent(), new LastLayerNeck())
    {
    }

    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register() =>
        DistillationZoo.Register(new DistillationRegistration(typeof(TinyDistillation), Spec, withTeacher => new TinyDistillation(withTeacher)));
}
