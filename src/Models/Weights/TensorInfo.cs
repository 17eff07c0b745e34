using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>What a weight file says of one tensor before it is read: its name, stored dtype and shape.</summary>
public sealed record TensorInfo(string Name, ScalarType DType, long[] Shape)
{
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
