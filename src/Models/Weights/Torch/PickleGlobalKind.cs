namespace ModelGen.Models.Weights.Torch;

/// <summary>What the restricted unpickler does with an allowed global.</summary>
internal enum PickleGlobalKind
{
    /// <summary><c>collections.OrderedDict</c>: builds a dict.</summary>
    OrderedDict,

    /// <summary><c>set</c> / <c>frozenset</c>, which protocol 2 writes as a call on a list.</summary>
    Set,

    /// <summary><c>torch._utils._rebuild_tensor(storage, offset, size, stride)</c>.</summary>
    RebuildTensor,

    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>.</summary>
    RebuildTensorV2,

    /// <summary><c>torch._utils._rebuild_parameter(data, requires_grad, hooks)</c>: the tensor itself.</summary>
    RebuildParameter,

    /// <summary><c>torch._utils._rebuild_parameter_with_state(data, requires_grad, hooks, state)</c>: the tensor itself.</summary>
    RebuildParameterWithState,

    /// <summary>A storage class, named by the persistent id of a storage record.</summary>
    Storage,

    /// <summary>A global of training metadata: never imported or called; whatever is built from it is an inert placeholder.</summary>
    Opaque,
}
