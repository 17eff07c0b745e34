using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// Elementwise steps that overwrite a temporary the caller owns when autograd records nothing for it (no-grad
/// inference, frozen inputs), and allocate a new tensor otherwise, because their backward needs the input.
/// </summary>
/// <remarks>
/// Each map-sized temporary costs page faults when the allocator serves it from fresh pages, as glibc does for every
/// block above its mmap threshold (32 MiB at most): VITAMIN's conv stages at 1024² make tensors of 64-256 MiB.
/// </remarks>
internal static class NoGraphInPlace
{
    /// <summary>Whether autograd would record an operation on <paramref name="values"/>.</summary>
    public static bool Records(Tensor values) => values.requires_grad && is_grad_enabled();

    /// <summary>Exact GELU of a temporary.</summary>
    public static Tensor Gelu(Tensor temporary) => Records(temporary) ? temporary.gelu() : temporary.gelu_();
}
