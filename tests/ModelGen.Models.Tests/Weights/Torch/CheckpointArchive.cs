using System.IO.Compression;
using System.Text;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>Writes a torch.save-style zip: <c>&lt;root&gt;/data.pkl</c>, <c>&lt;root&gt;/data/&lt;key&gt;</c>, <c>&lt;root&gt;/version</c>.</summary>
internal static class CheckpointArchive
{
    public static string Write(string path, byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null, string root = "archive", CompressionLevel compression = CompressionLevel.NoCompression)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        Add(zip, $"{root}/data.pkl", pickle, compression);
        foreach (var (key, bytes) in storages ?? new Dictionary<string, byte[]>())
            Add(zip, $"{root}/data/{key}", bytes, compression);
        Add(zip, $"{root}/version", Encoding.ASCII.GetBytes("3\n"), compression);
        return path;
    }

    public static void Add(ZipArchive zip, string name, byte[] bytes, CompressionLevel compression = CompressionLevel.NoCompression)
    {
        using var stream = zip.CreateEntry(name, compression).Open();
        stream.Write(bytes);
    }
}
