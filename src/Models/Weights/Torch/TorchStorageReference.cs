using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>A storage named by a pickle's persistent id: the record <c>data/&lt;Key&gt;</c> of the archive, of one dtype.</summary>
/// <param name="DeclaredElements">The element count the persistent id states, checked against the record's length.</param>
internal sealed record TorchStorageReference(string Key, ScalarType DType, long DeclaredElements)
{
    public int ElementSize => DType switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(DType), DType, "not a storage dtype"),
    };
}
