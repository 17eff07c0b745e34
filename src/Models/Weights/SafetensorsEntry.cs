using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>One tensor's header record in a safetensors file.</summary>
public sealed record SafetensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
