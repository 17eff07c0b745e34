namespace ModelGen.Models.Runtime;

/// <summary>Which of LibTorch's CPU matrix products runs ModelGen's linear layers (see <see cref="LinearKernels"/>).</summary>
public enum LinearKernel
{
    /// <summary>The faster of the two on this machine, measured once per process at the first large float32 product.</summary>
    Auto,

    /// <summary>LibTorch's <c>linear</c>: the BLAS it was built with (MKL in the official builds).</summary>
    Blas,

    /// <summary>oneDNN's 1x1 convolution over the tokens laid out as a channels-last map: the same product.</summary>
    OneDnn,
}
