using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using ModelGen.Models.IO;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// Writes named tensors in the safetensors format: 8-byte little-endian header length, JSON header
/// padded with spaces to a multiple of 8, then the raw data with the widest dtypes first, so every
/// tensor is aligned to its element size. Files written here load with the reference implementation.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="path"/> atomically (see <see cref="AtomicFile"/>): if the write fails or the
    /// process dies part way, any previous file at <paramref name="path"/> is left as it was.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>, a metadata value is null, or the header would exceed the format's limit.</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype safetensors cannot store here.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata));
    }

    /// <summary>Writes the file's bytes to <paramref name="stream"/>, from its current position.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.ContainsKey(SafetensorsFormat.MetadataKey))
            throw new ArgumentException($"No tensor may be named {SafetensorsFormat.MetadataKey}: the format reserves that key for metadata.", nameof(tensors));
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (value is null)
                throw new ArgumentException($"Metadata '{key}' has no value; safetensors metadata values are strings.", nameof(metadata));
        }

        using var scope = NewDisposeScope();
        var ordered = tensors
            .Select(t => (Name: t.Key, DType: DTypeName(t.Key, t.Value.dtype), Data: t.Value.detach().cpu().contiguous()))
            .OrderByDescending(t => t.Data.ElementSize)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

        var header = Header(ordered, metadata);
        Span<byte> prefix = stackalloc byte[SafetensorsFormat.LengthPrefixBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var (_, _, data) in ordered)
            TensorBytes.ForEachPiece(data, (piece, _) => stream.Write(piece));
    }

    private static byte[] Header(List<(string Name, string DType, Tensor Data)> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // Non-ASCII names stay readable UTF-8; the header is never embedded in HTML, where this escaping would matter.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject(SafetensorsFormat.MetadataKey);
                foreach (var (key, value) in metadata)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dtype, data) in ordered)
            {
                var length = data.numel() * data.ElementSize;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (var size in data.shape)
                    writer.WriteNumberValue(size);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += length;
            }
            writer.WriteEndObject();
        }

        var padded = (json.WrittenCount + SafetensorsFormat.HeaderAlignment - 1) / SafetensorsFormat.HeaderAlignment * SafetensorsFormat.HeaderAlignment;
        if (padded > SafetensorsFormat.MaxHeaderBytes)
            throw new ArgumentException($"The header for {ordered.Count} tensors would take {padded} bytes, above the format's limit of {SafetensorsFormat.MaxHeaderBytes}.");
        var header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static string DTypeName(string name, ScalarType dtype) =>
        SafetensorsFormat.TryGetName(dtype, out var dtypeName)
            ? dtypeName
            : throw new NotSupportedException($"Tensor '{name}' has dtype {dtype}, which safetensors cannot store (supported: {string.Join(", ", SafetensorsFormat.SupportedNames)}).");
}
