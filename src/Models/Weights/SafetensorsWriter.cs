using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>Writes named CPU tensors in the safetensors format (8-byte header length, JSON header, raw data).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var scope = NewDisposeScope();
        var ordered = tensors
            .OrderByDescending(t => t.Value.ElementSize)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => (Name: t.Key, Data: t.Value.detach().cpu().contiguous()))
            .ToList();

        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null)
            header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, data) in ordered)
        {
            var length = data.numel() * data.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DTypeName(name, data.dtype),
                ["shape"] = data.shape,
                ["data_offsets"] = new[] { offset, offset + length },
            };
            offset += length;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((long)padded));
        stream.Write(json);
        for (var i = json.Length; i < padded; i++)
            stream.WriteByte((byte)' ');
        foreach (var (_, data) in ordered)
            if (data.numel() > 0)
                stream.Write(data.bytes);
    }

    private static string DTypeName(string name, ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Tensor '{name}' has dtype {dtype}, which safetensors cannot store."),
    };
}
