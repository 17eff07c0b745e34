using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ModelGen.Models.Weights;

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the format: UTF-8 JSON holding one
/// object, each tensor record complete and well typed with a supported dtype and a byte length matching
/// its shape, <c>__metadata__</c> a map of strings to strings, no key given twice, and the records tiling
/// the data section exactly. Any breach is a <see cref="WeightFileException"/> naming the tensor.
/// </summary>
internal sealed class SafetensorsHeader
{
    private const int MaxQuotedChars = 40;

    private SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The tensor records by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <param name="path">The file, for the messages.</param>
    /// <param name="header">The header bytes, padding included.</param>
    /// <param name="dataLength">The bytes after the header, which the tensors must cover exactly.</param>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> header, long dataLength)
    {
        CheckUtf8(path, header.Span);
        using var document = ParseJson(path, header);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Problem(path, $"the header is a JSON {Kind(root)}, not an object");

        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string>? metadata = null;
        // JsonDocument keeps every occurrence of a repeated key, so repeats are caught here.
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == SafetensorsFormat.MetadataKey)
            {
                if (metadata is not null)
                    throw Problem(path, $"the header has {SafetensorsFormat.MetadataKey} more than once");
                metadata = ParseMetadata(path, property.Value);
            }
            else if (entries.ContainsKey(property.Name))
            {
                throw Problem(path, $"the header lists tensor '{property.Name}' more than once");
            }
            else
            {
                entries.Add(property.Name, ParseEntry(path, property.Name, property.Value));
            }
        }

        SafetensorsLayout.Check(path, entries.Values, dataLength);
        return new SafetensorsHeader(entries, metadata ?? new Dictionary<string, string>());
    }

    private static void CheckUtf8(string path, ReadOnlySpan<byte> header)
    {
        if (Utf8.IsValid(header))
            return;
        var offset = 0;
        while (Rune.DecodeFromUtf8(header[offset..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
            offset += consumed;
        throw Problem(path, $"the header is not valid UTF-8: byte {offset} of the header (0x{header[offset]:X2}) does not belong to a UTF-8 sequence");
    }

    private static JsonDocument ParseJson(string path, ReadOnlyMemory<byte> header)
    {
        try
        {
            return JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line && e.BytePositionInLine is { } column ? $" at line {line + 1}, byte {column + 1}" : "";
            throw Problem(path, $"the header is not valid JSON{where}: {Reason(e)}", e);
        }
    }

    /// <summary>The parser's explanation without the zero-based position it appends (given one-based instead).</summary>
    private static string Reason(JsonException e)
    {
        var cut = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? e.Message[..cut] : e.Message).TrimEnd(' ', '.');
    }

    private static Dictionary<string, string> ParseMetadata(string path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Problem(path, $"{SafetensorsFormat.MetadataKey} is a JSON {Kind(value)}, not an object mapping strings to strings");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Problem(path, $"{SafetensorsFormat.MetadataKey} maps '{item.Name}' to the JSON {Kind(item.Value)} {Quote(item.Value)}; metadata values must be strings");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Problem(path, $"{SafetensorsFormat.MetadataKey} has the key '{item.Name}' more than once");
        }
        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Problem(path, $"tensor '{name}' is described by the JSON {Kind(value)} {Quote(value)}, not by an object with dtype, shape and data_offsets");

        JsonElement? dtypeField = null, shapeField = null, offsetsField = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!seen.Add(field.Name))
                throw Problem(path, $"tensor '{name}' has the field '{field.Name}' more than once");
            // Other fields are ignored, as the reference implementation does.
            switch (field.Name)
            {
                case "dtype": dtypeField = field.Value; break;
                case "shape": shapeField = field.Value; break;
                case "data_offsets": offsetsField = field.Value; break;
            }
        }
        var missing = new[] { ("dtype", dtypeField), ("shape", shapeField), ("data_offsets", offsetsField) }
            .Where(f => f.Item2 is null)
            .Select(f => f.Item1)
            .ToList();
        if (missing.Count > 0)
            throw Problem(path, $"tensor '{name}' lacks {string.Join(" and ", missing)}");

        var (dtypeName, dtype, elementSize) = ParseDType(path, name, dtypeField!.Value);
        var shape = ParseShape(path, name, shapeField!.Value);
        var (begin, end) = ParseOffsets(path, name, offsetsField!.Value);

        var shapeText = $"[{string.Join(", ", shape)}]";
        if (!TryByteLength(shape, elementSize, out var byteLength))
            throw Problem(path, $"tensor '{name}' of shape {shapeText} and dtype {dtypeName} would take more bytes than a 64-bit size can count");
        if (end - begin != byteLength)
            throw Problem(path, $"tensor '{name}' of shape {shapeText} and dtype {dtypeName} takes {byteLength} bytes, but its data_offsets [{begin}, {end}] span {end - begin}");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static (string Name, TorchSharp.torch.ScalarType Type, int Size) ParseDType(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw Problem(path, $"tensor '{name}' has the dtype {Quote(value)}, a JSON {Kind(value)} instead of a string such as \"F32\"");
        var dtypeName = value.GetString()!;
        if (!SafetensorsFormat.TryParse(dtypeName, out var dtype, out var size))
            throw Problem(path, $"tensor '{name}' has the unsupported dtype '{dtypeName}' (supported: {string.Join(", ", SafetensorsFormat.SupportedNames)})");
        return (dtypeName, dtype, size);
    }

    private static long[] ParseShape(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
            throw Problem(path, $"tensor '{name}' has the shape {Quote(value)}, a JSON {Kind(value)} instead of an array of dimensions");
        var shape = new long[value.GetArrayLength()];
        var index = 0;
        foreach (var dimension in value.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number)
                throw Problem(path, $"tensor '{name}' has the dimension {Quote(dimension)} at shape index {index}, a JSON {Kind(dimension)} instead of a number");
            if (!dimension.TryGetInt64(out var size))
                throw Problem(path, $"tensor '{name}' has the dimension {Quote(dimension)} at shape index {index}, which is not a whole number that fits in 64 bits");
            if (size < 0)
                throw Problem(path, $"tensor '{name}' has the negative dimension {size} at shape index {index}");
            shape[index++] = size;
        }
        return shape;
    }

    private static (long Begin, long End) ParseOffsets(string path, string name, JsonElement value)
    {
        var offsets = new long[2];
        var valid = value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2;
        var index = 0;
        if (valid)
        {
            foreach (var offset in value.EnumerateArray())
                valid &= offset.ValueKind == JsonValueKind.Number && offset.TryGetInt64(out offsets[index++]) && offsets[index - 1] >= 0;
        }
        if (!valid)
            throw Problem(path, $"tensor '{name}' has the data_offsets {Quote(value)}; they must be [begin, end], two non-negative whole numbers");
        if (offsets[1] < offsets[0])
            throw Problem(path, $"tensor '{name}' has the data_offsets [{offsets[0]}, {offsets[1]}], which end before they begin");
        return (offsets[0], offsets[1]);
    }

    private static bool TryByteLength(long[] shape, int elementSize, out long byteLength)
    {
        // Multiplied in order, like the reference implementation: a huge shape overflows even if a later dimension is 0.
        byteLength = 0;
        long elements = 1;
        try
        {
            foreach (var size in shape)
                elements = checked(elements * size);
            byteLength = checked(elements * elementSize);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Quote(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= MaxQuotedChars ? text : text[..MaxQuotedChars] + "...";
    }

    private static WeightFileException Problem(string path, string problem, Exception? inner = null) => new(path, problem, inner);
}
