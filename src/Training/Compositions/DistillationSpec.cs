using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Cache;

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
    DistillationRecipe Recipe)
{
    /// <summary>
    /// Upstream's model name of the teacher, which its cache files are named after (<c>&lt;stem&gt;_vit_h_cache.pth</c>):
    /// for a SAM teacher class <c>SamVitX</c> it is <c>vit_x</c> (SAMBackbone's <c>model_name</c>), otherwise the class name in lower case.
    /// </summary>
    public string TeacherModelName
    {
        get
        {
            var name = Teacher.Type.Name;
            return name.StartsWith("SamVit", StringComparison.Ordinal) && name.Length > "SamVit".Length
                ? "vit_" + name["SamVit".Length..].ToLowerInvariant()
                : name.ToLowerInvariant();
        }
    }

    /// <summary>The teacher's declared pretrained source (its <see cref="DistillationPart.Pretrained"/> tag), read from the backbone registry; null when it declares none.</summary>
    public PretrainedSource? TeacherPretrainedSource => Teacher.Pretrained is { } tag
        ? ModelZoo.Describe(Teacher.Type.FullName ?? Teacher.Type.Name).Pretrained[tag]
        : null;

    /// <summary>
    /// The identity of this composition's teacher features (known without building it) for a feature cache: the spec, the teacher's and its neck's
    /// classes, <paramref name="weights"/> and <paramref name="dtype"/> (see <see cref="DistillationComposition.DescribeWeightsFile"/>, <see cref="DistillationComposition.DescribePretrained"/>),
    /// the preprocessing, padding and input size. A cache entry written under another identity is stale.
    /// </summary>
    /// <param name="dtype">The dtype the teacher runs in (<c>ScalarType</c>'s name, e.g. <c>Float32</c>).</param>
    public TeacherIdentity TeacherIdentity(string weights, string dtype = "Float32")
    {
        ArgumentException.ThrowIfNullOrEmpty(weights);
        ArgumentException.ThrowIfNullOrEmpty(dtype);
        var input = Input;
        var preprocessing = $"{input.Preprocessing}; resize long side, pad {input.PadValue.ToString(CultureInfo.InvariantCulture)} to {input.Height}x{input.Width}";
        return new TeacherIdentity(TeacherModelName, $"{Name}: {Teacher.Type.Name} + {TeacherNeck.Type.Name}", weights, preprocessing, Math.Max(input.Height, input.Width), dtype);
    }
}
