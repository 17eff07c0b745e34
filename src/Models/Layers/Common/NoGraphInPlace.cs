using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// Elementwise steps that overwrite a temporary the caller owns when autograd records nothing for it (no-grad
/// inference, frozen inputs), and allocate a new tensor otherwise, because their backward needs the input.
/// </summary>
/// <remarks>
/// Each map-sized temporary costs page faults when the allocator serves it from fresh pages, as glibc does for every
/// block above its mmap threshold (32 MiB at most): VITAMIN's conv stages at 1024² make tensors of 64-256 MiB.
/// With freed memory kept, a step in place is still faster: on VRWKV's 64 x 64 x 768 keys with cold caches,
/// <c>relu_().mul_(itself)</c> took 0.7-1.2 ms where <c>relu().square()</c> took 2.1-2.5 ms.
/// </remarks>
internal static class NoGraphInPlace
{
    /// <summary>Whether autograd would record an operation on <paramref name="values"/>.</summary>
    public static bool Records(Tensor values) => values.requires_grad && is_grad_enabled();

    /// <summary>Exact GELU of a temporary.</summary>
    public static Tensor Gelu(Tensor temporary) => Records(temporary) ? temporary.gelu() : temporary.gelu_();

    /// <summary><c>relu(temporary)²</c>, Vision-RWKV's channel-mix activation.</summary>
    public static Tensor ReluSquared(Tensor temporary)
    {
        if (Records(temporary) || temporary.device_type == DeviceType.META)
            return Relu.Apply(temporary).square();
        return temporary.relu_().mul_(temporary);
    }

    /// <summary><c>sigmoid(temporary) * values</c>, Vision-RWKV's receptance gate.</summary>
    public static Tensor SigmoidGate(Tensor temporary, Tensor values) =>
        Records(temporary) || Records(values) ? temporary.sigmoid() * values : temporary.sigmoid_().mul_(values);
}
