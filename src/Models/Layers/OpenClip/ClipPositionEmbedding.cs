using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>Fitting a ViT's learned absolute position embedding to the patch grid of the current input.</summary>
public static class ClipPositionEmbedding
{
    /// <summary>
    /// timm's <c>resample_abs_pos_embed(embedding[None], [height, width], num_prefix_tokens)</c>: the
    /// prefix tokens are kept, the rest is taken as a square grid and resized with antialiased
    /// bicubic interpolation in float32. As upstream, the embedding is returned unchanged when the
    /// target grid is square with the same token count. Returns (1, prefix + height * width, C).
    /// </summary>
    public static Tensor Resample(Tensor embedding, long height, long width, long prefixTokens = 1)
    {
        var (tokens, channels) = (embedding.shape[0], embedding.shape[1]);
        if (height == width && height * width + prefixTokens == tokens)
            return embedding.unsqueeze(0);

        using var scope = NewDisposeScope();
        var side = (long)Math.Sqrt(tokens - prefixTokens);
        var prefix = embedding[..(int)prefixTokens].unsqueeze(0);
        var grid = embedding[(int)prefixTokens..].to(ScalarType.Float32).reshape(1, side, side, channels).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        var flattened = resized.permute(0, 2, 3, 1).reshape(1, -1, channels).to(embedding.dtype);
        return cat([prefix, flattened], 1).MoveToOuterDisposeScope();
    }
}
