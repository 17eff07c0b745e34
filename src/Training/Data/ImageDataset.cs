using ModelGen.Training.Compositions;
using static TorchSharp.torch;

namespace ModelGen.Training.Data;

/// <summary>An image folder prepared for a composition's input (<see cref="ImagePreparation"/>), read in batches in each epoch's order.</summary>
public sealed class ImageDataset
{
    // The order of the epoch last asked for: a session asks for it once per batch.
    private (int Seed, int Epoch, bool Shuffle, IReadOnlyList<int> Order)? _lastOrder;

    public ImageDataset(ImageFolder folder, DistillationInput input)
    {
        Folder = folder ?? throw new ArgumentNullException(nameof(folder));
        Input = input ?? throw new ArgumentNullException(nameof(input));
    }

    public ImageFolder Folder { get; }

    public DistillationInput Input { get; }

    public int Count => Folder.Count;

    /// <summary>Batches per epoch: the last one may be smaller (torch's DataLoader, <c>drop_last=False</c>).</summary>
    public int BatchesPerEpoch(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return (Count + batchSize - 1) / batchSize;
    }

    /// <summary>The images of batch <paramref name="batch"/> of epoch <paramref name="epoch"/> in its seeded order.</summary>
    public IReadOnlyList<ImageEntry> BatchEntries(int epoch, int batch, int batchSize, int seed, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(batch, BatchesPerEpoch(batchSize));
        if (_lastOrder is not { } last || last.Seed != seed || last.Epoch != epoch || last.Shuffle != shuffle)
            _lastOrder = last = (seed, epoch, shuffle, EpochOrder.Of(Count, seed, epoch, shuffle));
        var order = last.Order;
        var start = batch * batchSize;
        return Enumerable.Range(start, Math.Min(batchSize, Count - start)).Select(i => Folder.Images[order[i]]).ToList();
    }

    /// <summary>Loads images as one (N, 3, H, W) batch of <paramref name="dtype"/> on <paramref name="device"/> (the CPU when null).</summary>
    public ImageBatch Load(IReadOnlyList<ImageEntry> entries, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
            throw new ArgumentException("A batch needs at least one image.", nameof(entries));
        using var scope = NewDisposeScope();
        var images = entries.Select(e => ImagePreparation.Load(e.Path, Input)).ToList();
        var batch = stack(images).to(dtype, device ?? CPU);
        return new ImageBatch(batch.MoveToOuterDisposeScope(), entries);
    }
}
