using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>One tensor's header record in a safetensors file; <see cref="Begin"/> and <see cref="End"/> are byte offsets into the data section, which follows the header.</summary>
public sealed record SafetensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End);
