using static TorchSharp.torch;

namespace ModelGen.Training.Cache;

/// <summary>
/// Upstream's <c>BackboneDump</c>, resumable: runs the teacher on every image whose features the cache
/// does not hold for this teacher, and stores them. Entries are written one at a time and atomically, so an
/// interrupted dump continues where it stopped.
/// </summary>
public static class FeatureDump
{
    /// <param name="images">Image stems with a function that loads the preprocessed (1, 3, H, W) batch of that image.</param>
    /// <param name="teacher">The frozen teacher and neck: a (1, 3, H, W) batch to (1, C, h, w) features.</param>
    /// <param name="progress">Reports each image's stem and status after it is handled.</param>
    public static FeatureDumpSummary Run(FeatureCache cache, IEnumerable<(string Stem, Func<Tensor> Load)> images, Func<Tensor, Tensor> teacher, IProgress<(string Stem, CacheStatus Status)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(teacher);
        var reused = 0;
        var computed = 0;
        foreach (var (stem, load) in images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = cache.StatusOf(stem);
            if (status is CacheStatus.Hit && cache.Format == FeatureCacheFormat.Upstream && !File.Exists(cache.UpstreamPathOf(stem)))
            {
                // An entry of ours for this teacher, copied into the file upstream reads: no teacher run.
                using var features = cache.Lookup(stem).Features!;
                cache.Store(stem, features);
                reused++;
            }
            else if (status is CacheStatus.Hit or CacheStatus.UpstreamHit)
            {
                reused++;
            }
            else
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var features = teacher(load());
                if (features.dim() != 4 || features.shape[0] != 1)
                    throw new InvalidOperationException($"The teacher returned shape [{string.Join(", ", features.shape)}] for {stem}; it must return one image's (1, C, h, w) features.");
                cache.Store(stem, features[0]);
                computed++;
            }
            progress?.Report((stem, status));
        }
        return new FeatureDumpSummary(reused, computed);
    }
}

/// <summary>How many images a dump took from the cache and how many it ran the teacher on.</summary>
public sealed record FeatureDumpSummary(int Reused, int Computed);
