using System.Globalization;
using System.Security.Cryptography;
using ModelGen.Models.Pretrained;

namespace ModelGen.Training.Compositions;

public abstract partial class DistillationComposition
{
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
