namespace ModelGen.Training.Compositions;

/// <summary>What a distillation spec declares, as the generated class carries it (no module is built to read it).</summary>
/// <param name="Name">The generated class's name.</param>
/// <param name="UpstreamConfig">The upstream config the spec corresponds to (a path in HarborYuan/ovsam), or empty.</param>
/// <param name="StudentNeckEmbeddingFromTeacher">
/// Whether the student neck's <c>pos_embed</c> starts as the teacher's pretrained <c>pos_embed</c> (upstream
/// <c>MultiLayerTransformerNeck(embedding_path=...)</c> naming the teacher's checkpoint).
/// </param>
/// <param name="UseCache">Upstream's <c>use_cache</c>: the teacher's features are dumped once and read back, so training does not run the teacher.</param>
public sealed record DistillationSpec(
    string Name,
    string Description,
    string UpstreamConfig,
    DistillationPart Teacher,
    DistillationPart TeacherNeck,
    DistillationPart Student,
    DistillationPart StudentNeck,
    bool StudentNeckEmbeddingFromTeacher,
    DistillationLoss Loss,
    DistillationInput Input,
    bool UseCache,
    DistillationRecipe Recipe);
