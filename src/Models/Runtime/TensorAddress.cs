using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ModelGen.Models.Runtime;

/// <summary>Where a CPU tensor's elements are, for the kernels that read and write them directly.</summary>
internal static unsafe class TensorAddress
{
    /// <summary>The address of the first element of <paramref name="tensor"/>; tensor memory is native, so it stays valid while the tensor lives.</summary>
    public static nint Of(Tensor tensor) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
