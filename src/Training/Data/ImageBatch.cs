using static TorchSharp.torch;

namespace ModelGen.Training.Data;

/// <summary>A batch of prepared images, (N, 3, H, W), with the images it holds in order. It owns <see cref="Images"/>.</summary>
public sealed class ImageBatch(Tensor images, IReadOnlyList<ImageEntry> entries) : IDisposable
{
    public Tensor Images { get; } = images;

    public IReadOnlyList<ImageEntry> Entries { get; } = entries;

    public void Dispose() => Images.Dispose();
}
