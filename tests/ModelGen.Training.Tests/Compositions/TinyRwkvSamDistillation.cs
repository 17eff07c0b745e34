using ModelGen.Models.Necks;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Distillation;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// The checkpoints/mmengine_rwkvsam_tiny fixture's detector as a composition, written as the generator emits one: a
/// frozen SAM teacher (SAMBackbone's names, the ovsam scheme) with LastLayerNeck, the VITAMIN student with
/// LastLayerProjNeck(32, 16), 64-pixel inputs, features from a cache. Its teacher declares pretrained weights
/// (<c>tiny</c>), which the tests put in a weights folder of their own.
/// </summary>
public sealed class TinyRwkvSamDistillation : DistillationComposition<SamVitTinyCk, LastLayerNeck, VitaminNanoRwkv, LastLayerProjNeck>
{
    public static new DistillationSpec Spec { get; } = new(
        nameof(TinyRwkvSamDistillation),
        "The mmengine_rwkvsam_tiny fixture's detector.",
        "projects/rwkvsam/configs/backbone_dist/rwkvsam1001_000_vith_vitamin_rwkv_small_mlp2.py",
        new DistillationPart(typeof(SamVitTinyCk), "backbone_teacher.", "ovsam", Fix: true, Pretrained: "tiny"),
        new DistillationPart(typeof(LastLayerNeck), "neck_teacher.", null, Fix: true),
        new DistillationPart(typeof(VitaminNanoRwkv), "backbone_student.", null, Fix: false, CheckpointPrefix: "backbone_student."),
        new DistillationPart(typeof(LastLayerProjNeck), "neck_student.", null, Fix: false),
        StudentNeckEmbeddingFromTeacher: false,
        new DistillationLoss(),
        new DistillationInput(64, 64, new Preprocessing([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], 255)),
        UseCache: true,
        new DistillationRecipe(WarmupIterations: 5, Epochs: 3, BatchSize: 2));

    public TinyRwkvSamDistillation(bool withTeacher = true)
        : base(Spec, withTeacher ? new SamVitTinyCk() : null, withTeacher ? new LastLayerNeck() : null, new VitaminNanoRwkv(), new LastLayerProjNeck(32, 16))
    {
    }

    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register() =>
        DistillationZoo.Register(new DistillationRegistration(typeof(TinyRwkvSamDistillation), Spec, withTeacher => new TinyRwkvSamDistillation(withTeacher)));
}
