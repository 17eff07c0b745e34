using System.Globalization;
using System.Security.Cryptography;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Cache;

namespace ModelGen.Training.Compositions;

public abstract partial class DistillationComposition
{
    /// <summary>
    /// Upstream's model name of the teacher, which its cache files are named after (<c>&lt;stem&gt;_vit_h_cache.pth</c>):
    /// for a SAM teacher class <c>SamVitX</c> it is <c>vit_x</c> (SAMBackbone's <c>model_name</c>), otherwise the class name in lower case.
    /// </summary>
    public string TeacherModelName
    {
        get
        {
            var name = Spec.Teacher.Type.Name;
            return name.StartsWith("SamVit", StringComparison.Ordinal) && name.Length > "SamVit".Length
                ? "vit_" + name["SamVit".Length..].ToLowerInvariant()
                : name.ToLowerInvariant();
        }
    }

    /// <summary>
    /// The identity of this composition's teacher features for a feature cache: the spec, the teacher's and its neck's
    /// classes, <paramref name="weights"/> (see <see cref="DescribeWeightsFile"/>, <see cref="DescribePretrained"/>),
    /// the preprocessing, padding and input size. A cache entry written under another identity is stale.
    /// </summary>
    public TeacherIdentity TeacherIdentity(string weights)
    {
        ArgumentException.ThrowIfNullOrEmpty(weights);
        var input = Spec.Input;
        var preprocessing = $"{input.Preprocessing}; resize long side, pad {input.PadValue.ToString(CultureInfo.InvariantCulture)} to {input.Height}x{input.Width}";
        return new TeacherIdentity(TeacherModelName, $"{Name}: {Spec.Teacher.Type.Name} + {Spec.TeacherNeck.Type.Name}", weights, preprocessing, Math.Max(input.Height, input.Width));
    }

    /// <summary>A weights file's identity: its name and SHA-256.</summary>
    public static string DescribeWeightsFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return $"file {Path.GetFileName(path)} sha256:{Convert.ToHexStringLower(SHA256.HashData(stream))}";
    }

    /// <summary>A published source's identity: its tag, file name and published digest.</summary>
    public static string DescribePretrained(PretrainedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return $"pretrained {source.Tag} {source.FileName} {source.Hash?.ToString() ?? "(no published hash)"}";
    }

    /// <summary>The identity of a teacher left at its initialisation, which <c>torch.manual_seed(<paramref name="seed"/>)</c> before building makes reproducible.</summary>
    public static string DescribeInitialisation(long seed) => $"initialisation, torch seed {seed.ToString(CultureInfo.InvariantCulture)}";
}
