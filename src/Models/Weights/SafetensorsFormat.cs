using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// The fixed parts of the safetensors layout shared by the reader and the writer: the length prefix,
/// the header limits and the dtype names, with their TorchSharp types and element sizes.
/// </summary>
internal static class SafetensorsFormat
{
    /// <summary>The little-endian unsigned 64-bit header length that starts every file.</summary>
    public const int LengthPrefixBytes = 8;

    /// <summary>The reference implementation refuses headers above this size, on write and on read.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writers pad the header with spaces to this multiple so the data section is 8-byte aligned.</summary>
    public const int HeaderAlignment = 8;

    /// <summary>The header key of the free-form string map; every other key is a tensor name.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    [
        ("F64", ScalarType.Float64, 8),
        ("I64", ScalarType.Int64, 8),
        ("C64", ScalarType.ComplexFloat32, 8),
        ("F32", ScalarType.Float32, 4),
        ("I32", ScalarType.Int32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>The dtype names this library reads and writes (the format has more, e.g. U16 or F8_E4M3, that TorchSharp 0.107 has no type for).</summary>
    public static IEnumerable<string> SupportedNames => DTypes.Select(d => d.Name);

    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        foreach (var dtype in DTypes)
        {
            if (dtype.Name == name)
            {
                (type, elementSize) = (dtype.Type, dtype.Size);
                return true;
            }
        }
        (type, elementSize) = (default, 0);
        return false;
    }

    public static bool TryGetName(ScalarType type, out string name)
    {
        foreach (var dtype in DTypes)
        {
            if (dtype.Type == type)
            {
                name = dtype.Name;
                return true;
            }
        }
        name = "";
        return false;
    }
}
