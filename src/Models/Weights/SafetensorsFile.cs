using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// Reads the safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian row-major data.
/// Tensors are read on demand straight into TorchSharp's memory.
/// </summary>
public sealed class SafetensorsFile : ITensorSource
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, IReadOnlyDictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The tensors by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    public string Format => "safetensors";

    public IReadOnlyDictionary<string, TensorInfo> Tensors => Entries.ToDictionary(e => e.Key, e => new TensorInfo(e.Key, e.Value.DType, e.Value.Shape));

    /// <summary>The <c>__metadata__</c> strings of the header (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            Span<byte> prefix = stackalloc byte[8];
            if (length < 8 || RandomAccess.Read(handle, prefix, 0) != 8)
                throw Invalid(path, "the file is shorter than its 8-byte header length");
            var headerLength = BitConverter.ToInt64(prefix);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
                throw Invalid(path, $"the header length {headerLength} does not fit a file of {length} bytes");

            var header = new byte[headerLength];
            if (RandomAccess.Read(handle, header, 8) != headerLength)
                throw Invalid(path, "the header is truncated");

            var (entries, metadata) = ParseHeader(path, header, length - 8 - headerLength);
            return new SafetensorsFile(path, handle, 8 + headerLength, entries, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor into a new CPU tensor of its stored dtype.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path} has no tensor named '{name}'.");
        var tensor = empty(entry.Shape, entry.DType);
        try
        {
            if (entry.End > entry.Begin)
            {
                var read = RandomAccess.Read(_handle, tensor.bytes, _dataStart + entry.Begin);
                if (read != entry.End - entry.Begin)
                    throw Invalid(Path, $"tensor '{name}' is truncated");
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    private static (IReadOnlyDictionary<string, SafetensorsEntry>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        using var document = JsonDocument.Parse(header);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw Invalid(path, "the header is not a JSON object");

        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var item in property.Value.EnumerateObject())
                    metadata[item.Name] = item.Value.ToString();
                continue;
            }

            var dtypeName = property.Value.GetProperty("dtype").GetString() ?? "";
            var (dtype, elementSize) = DType(path, property.Name, dtypeName);
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
                throw Invalid(path, $"tensor '{property.Name}' has data offsets outside the data section");
            var expectedBytes = shape.Aggregate(1L, (a, d) => a * d) * elementSize;
            if (offsets[1] - offsets[0] != expectedBytes)
                throw Invalid(path, $"tensor '{property.Name}' of shape [{string.Join(", ", shape)}] and dtype {dtypeName} should take {expectedBytes} bytes, not {offsets[1] - offsets[0]}");
            entries[property.Name] = new SafetensorsEntry(property.Name, dtype, shape, offsets[0], offsets[1]);
        }
        return (entries, metadata);
    }

    private static (ScalarType, int) DType(string path, string name, string dtype) => dtype switch
    {
        "F64" => (ScalarType.Float64, 8),
        "F32" => (ScalarType.Float32, 4),
        "F16" => (ScalarType.Float16, 2),
        "BF16" => (ScalarType.BFloat16, 2),
        "I64" => (ScalarType.Int64, 8),
        "I32" => (ScalarType.Int32, 4),
        "I16" => (ScalarType.Int16, 2),
        "I8" => (ScalarType.Int8, 1),
        "U8" => (ScalarType.Byte, 1),
        "BOOL" => (ScalarType.Bool, 1),
        _ => throw Invalid(path, $"tensor '{name}' has the unsupported dtype '{dtype}'"),
    };

    private static InvalidDataException Invalid(string path, string what) => new($"{path} is not a valid safetensors file: {what}.");
}
