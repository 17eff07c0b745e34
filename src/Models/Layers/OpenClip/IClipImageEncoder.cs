using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>A CLIP visual tower that also gives the complete image embedding, beyond the backbone features.</summary>
public interface IClipImageEncoder
{
    /// <summary>open_clip's <c>visual(images)</c>: the (N, outputDim) CLIP image embedding.</summary>
    Tensor Embed(Tensor images);
}
