using ModelGen.Models.Necks;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Distillation;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// The sam2clip_tiny fixture's detector as a composition: SamVitTinyCk's pretrained teacher (whose 4x4 position embedding
/// the student neck starts from, upstream's <c>embedding_path</c>), the frozen OpenCLIP ResNet student and a
/// MultiLayerTransformerNeck.
/// </summary>
public sealed class TinySam2ClipDistillation : DistillationComposition<SamVitTinyCk, LastLayerNeck, OpenClipRNTiny, MultiLayerTransformerNeck>
{
    public static new DistillationSpec Spec { get; } = new(
        nameof(TinySam2ClipDistillation),
        "The sam2clip_tiny fixture's detector, with the mmengine fixture's teacher.",
        "seg/configs/sam2clip/sam2clip_vith_rn50x16.py",
        new DistillationPart(typeof(SamVitTinyCk), "backbone_teacher.", "ovsam", Fix: true, Pretrained: "tiny"),
        new DistillationPart(typeof(LastLayerNeck), "neck_teacher.", null, Fix: true),
        new DistillationPart(typeof(OpenClipRNTiny), "backbone_student.", "ovsam", Fix: true),
        new DistillationPart(typeof(MultiLayerTransformerNeck), "neck_student.", null, Fix: false),
        StudentNeckEmbeddingFromTeacher: true,
        new DistillationLoss(),
        new DistillationInput(64, 64, new Preprocessing([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], 255)),
        UseCache: true,
        new DistillationRecipe());

    public TinySam2ClipDistillation(bool withTeacher = true)
        : base(Spec, withTeacher ? new SamVitTinyCk() : null, withTeacher ? new LastLayerNeck() : null, new OpenClipRNTiny(fix: true),
            new MultiLayerTransformerNeck((64, 64), [16, 32, 64, 128], 32, 16, [0, 1, 2, 3], [4, 8, 16, 32]))
    {
    }

    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void Register() =>
        DistillationZoo.Register(new DistillationRegistration(typeof(TinySam2ClipDistillation), Spec, withTeacher => new TinySam2ClipDistillation(withTeacher)));
}
