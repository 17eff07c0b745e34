using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// mmdet's <c>PatchEmbed</c> as <see cref="MultiLayerTransformerNeck"/> builds it: kernel and stride
/// equal, bias, no norm, "corner" adaptive padding, and a convolution or transposed convolution
/// <c>projection</c>. Returns NHWC tokens (upstream's flattened tokens unflattened to the grid).
/// </summary>
public sealed class MmdetPatchEmbed : ExplicitModule<Tensor, Tensor>
{
    /// <param name="transposed">Upsample by <paramref name="kernelSize"/> with a transposed convolution instead of downsampling.</param>
    public MmdetPatchEmbed(long inChannels, long embedDims, long kernelSize, bool transposed) : base(nameof(MmdetPatchEmbed))
    {
        KernelSize = kernelSize;
        Projection = transposed
            ? nn.ConvTranspose2d(inChannels, embedDims, kernel_size: kernelSize, stride: kernelSize)
            : nn.Conv2d(inChannels, embedDims, kernel_size: kernelSize, stride: kernelSize);
        register_module("projection", Projection);
    }

    public long KernelSize { get; }

    public nn.Module<Tensor, Tensor> Projection { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // mmdet pads at the bottom and right until the kernel tiles the input, computed as for a
        // downsampling convolution even when the projection is transposed (as upstream does).
        var padH = CeilingMultiple(x.shape[2]) - x.shape[2];
        var padW = CeilingMultiple(x.shape[3]) - x.shape[3];
        var padded = padH > 0 || padW > 0 ? nn.functional.pad(x, [0, padW, 0, padH]) : x;
        var projected = Projection is Conv2d convolution
            ? PatchConvolution.Nhwc(convolution, padded)
            : Projection.call(padded).permute(0, 2, 3, 1);
        return projected.MoveToOuterDisposeScope();
    }

    private long CeilingMultiple(long extent) => (extent + KernelSize - 1) / KernelSize * KernelSize;
}
