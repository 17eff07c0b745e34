using System.Security.Cryptography;
using System.Text;

namespace ModelGen.Training.Cache;

/// <summary>
/// Everything that determines a teacher's features for an image: which backbone and neck, which weights,
/// how images are prepared, at which input size and in which dtype. Two dumps agree exactly when their fingerprints do.
/// </summary>
/// <param name="ModelName">Upstream's name of the teacher model, e.g. <c>vit_h</c>: upstream's cache files are named after it.</param>
/// <param name="Teacher">The backbone and neck, e.g. <c>SamVitH + LastLayerNeck</c>.</param>
/// <param name="Weights">What identifies the weights, e.g. <c>sa1b md5-prefix:4b8939</c> or a file's SHA-256.</param>
/// <param name="Preprocessing">The preprocessing as text, e.g. the <c>Preprocessing</c> record's.</param>
/// <param name="InputSize">The side images are resized and padded to.</param>
/// <param name="DType">The dtype the teacher runs in, e.g. <c>Float32</c>: features of another one differ in their last bits.</param>
public sealed record TeacherIdentity(string ModelName, string Teacher, string Weights, string Preprocessing, int InputSize, string DType = "Float32")
{
    /// <summary>The SHA-256 of the identity's fields, in lower-case hex.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", Fields.Select(f => $"{f.Key}={f.Value}")))));

    /// <summary>The fields by name, as a cache entry records them.</summary>
    public IReadOnlyDictionary<string, string> Fields => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["model_name"] = ModelName,
        ["teacher"] = Teacher,
        ["weights"] = Weights,
        ["preprocessing"] = Preprocessing,
        ["input_size"] = InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["dtype"] = DType,
    };
}
