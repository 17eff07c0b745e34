using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>ViTamin's learned position embedding resized to the current token grid (mmpretrain <c>resize_pos_embed</c>).</summary>
public static class PositionEmbedding
{
    /// <summary>
    /// Turns a (1, sourceHeight * sourceWidth, C) embedding into a (1, height, width, C) map,
    /// resized with bicubic interpolation (align_corners false, no antialias) unless the grids agree.
    /// </summary>
    public static Tensor Resize(Tensor embedding, long sourceHeight, long sourceWidth, long height, long width)
    {
        var channels = embedding.shape[2];
        if (sourceHeight == height && sourceWidth == width)
            return embedding.view(1, height, width, channels);
        using var scope = NewDisposeScope();
        var nchw = embedding.view(1, sourceHeight, sourceWidth, channels).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(nchw, [height, width], mode: InterpolationMode.Bicubic, align_corners: false);
        return resized.permute(0, 2, 3, 1).MoveToOuterDisposeScope();
    }
}
