using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>Resizing learned absolute position embeddings to the token grid of the current input.</summary>
public static class AbsolutePositionEmbedding
{
    /// <summary>
    /// Resamples a (1, H, W, C) embedding to (1, height, width, C) with bicubic interpolation and
    /// antialiasing, as timm's <c>resample_abs_pos_embed_nhwc</c> does for dynamic image sizes.
    /// At the native grid it returns the embedding itself, so the result is exactly upstream's.
    /// </summary>
    public static Tensor ResampleNhwc(Tensor embedding, long height, long width)
    {
        if (embedding.shape[1] == height && embedding.shape[2] == width)
            return embedding.alias();
        using var scope = NewDisposeScope();
        var nchw = embedding.permute(0, 3, 1, 2).to(ScalarType.Float32);
        var resized = nn.functional.interpolate(nchw, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        return resized.to(embedding.dtype).permute(0, 2, 3, 1).MoveToOuterDisposeScope();
    }
}
