using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>Splitting an NHWC token map into non-overlapping square windows and back.</summary>
public static class WindowPartition
{
    /// <summary>
    /// Pads (B, H, W, C) with zeros to multiples of <paramref name="windowSize"/> and returns
    /// (B·windows, windowSize, windowSize, C) with the padded size.
    /// </summary>
    public static (Tensor Windows, long PaddedHeight, long PaddedWidth) Partition(Tensor x, long windowSize)
    {
        using var scope = NewDisposeScope();
        var (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var padH = (windowSize - height % windowSize) % windowSize;
        var padW = (windowSize - width % windowSize) % windowSize;
        var padded = padH > 0 || padW > 0 ? nn.functional.pad(x, [0, 0, 0, padW, 0, padH]) : x;
        var (hp, wp) = (height + padH, width + padW);
        var windows = padded
            .view(batch, hp / windowSize, windowSize, wp / windowSize, windowSize, channels)
            .permute(0, 1, 3, 2, 4, 5)
            .contiguous()
            .view(batch * (hp / windowSize) * (wp / windowSize), windowSize, windowSize, channels);
        return (windows.MoveToOuterDisposeScope(), hp, wp);
    }

    /// <summary>Reverses <see cref="Partition"/> and crops the padding away.</summary>
    public static Tensor Unpartition(Tensor windows, long windowSize, long paddedHeight, long paddedWidth, long height, long width)
    {
        using var scope = NewDisposeScope();
        var batch = windows.shape[0] / (paddedHeight * paddedWidth / windowSize / windowSize);
        var channels = windows.shape[3];
        var x = windows
            .view(batch, paddedHeight / windowSize, paddedWidth / windowSize, windowSize, windowSize, channels)
            .permute(0, 1, 3, 2, 4, 5)
            .contiguous()
            .view(batch, paddedHeight, paddedWidth, channels);
        if (paddedHeight > height || paddedWidth > width)
            x = x[.., ..(int)height, ..(int)width, ..].contiguous();
        return x.MoveToOuterDisposeScope();
    }
}
