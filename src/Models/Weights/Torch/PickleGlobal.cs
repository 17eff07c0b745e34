using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>An allowed global as the unpickler holds it: a name and a role, never a live type or function.</summary>
/// <param name="Name">The dotted name, e.g. <c>torch._utils._rebuild_tensor_v2</c>.</param>
/// <param name="StorageDType">For a storage class, the dtype of its elements.</param>
internal sealed record PickleGlobal(string Name, PickleGlobalKind Kind, ScalarType? StorageDType = null);
