using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>SAM's patch embedding: a strided convolution <c>proj</c>, returned as NHWC tokens.</summary>
public sealed class SamPatchEmbed : ExplicitModule<Tensor, Tensor>
{
    public SamPatchEmbed(long inChans, long embedDim, long patchSize) : base(nameof(SamPatchEmbed))
    {
        Proj = nn.Conv2d(inChans, embedDim, kernel_size: patchSize, stride: patchSize);
        register_module("proj", Proj);
    }

    public Conv2d Proj { get; }

    public override Tensor forward(Tensor images) => PatchConvolution.Nhwc(Proj, images);
}
