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
    /// <remarks>
    /// LibTorch's CPU GELU hands a tensor to oneDNN's kernel only when it is contiguous in the default order; other
    /// strides take ATen's own kernel. A channels-last map is therefore activated through its NHWC view, which is
    /// contiguous and the same memory: on a 512 x 512 x 256 map (AMD EPYC, 2 threads) gelu_ took 20 ms on the view
    /// against 45 ms on the map, and gelu 26 against 52 ms. Under autograd the backward then runs on that view too.
    /// </remarks>
    public static Tensor Gelu(Tensor temporary)
    {
        using var nhwc = ChannelsLast.NhwcViewOf(temporary);
        if (nhwc is null)
            return Records(temporary) ? temporary.gelu() : temporary.gelu_();
        if (Records(temporary))
        {
            using var activated = nhwc.gelu();
            return activated.permute(0, 3, 1, 2);
        }
        // gelu_ returns a new handle to the view (TorchSharp 0.107), which the view's own disposal does not cover.
        nhwc.gelu_().Dispose();
        return temporary;
    }

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
