using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>A tensor whose stored dtype differs from the module's, converted while loading (e.g. float16 to float32).</summary>
public sealed record DTypeConversion(string Key, ScalarType From, ScalarType To);
