using ModelGen.Training.Cache;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Sessions;

/// <summary>
/// Upstream's dump configs (<c>BackboneDump</c>): the composition's frozen teacher and teacher neck run over every image
/// of a folder, one at a time, into a feature cache. Images the cache already holds for this teacher (its own entries,
/// or upstream's <c>&lt;stem&gt;_&lt;model&gt;_cache.pth</c> files) are skipped, and every entry is written atomically, so an
/// interrupted dump continues where it stopped.
/// </summary>
public sealed class FeatureDumpSession
{
    /// <param name="composition">A composition built with its teacher, weights loaded.</param>
    /// <param name="cache">The cache to fill, under the composition's <see cref="DistillationSpec.TeacherIdentity"/>.</param>
    public FeatureDumpSession(DistillationComposition composition, ImageDataset data, FeatureCache cache)
    {
        ArgumentNullException.ThrowIfNull(composition);
        if (!composition.HasTeacher)
            throw new ArgumentException($"{composition.Name} was built without its teacher: a dump runs the teacher.", nameof(composition));
        ArgumentNullException.ThrowIfNull(data);
        if (data.Input != composition.Spec.Input)
            throw new ArgumentException($"The images are prepared for {data.Input}, but {composition.Name} takes {composition.Spec.Input}.", nameof(data));
        Composition = composition;
        Data = data;
        Cache = cache ?? throw new ArgumentNullException(nameof(cache));
    }

    public DistillationComposition Composition { get; }

    public ImageDataset Data { get; }

    public FeatureCache Cache { get; }

    /// <summary>Dumps every image the cache lacks; the teacher runs in <paramref name="dtype"/> on <paramref name="device"/> (the CPU when null).</summary>
    /// <exception cref="ImageDataException">An image cannot be read or decoded; the entries before it are kept.</exception>
    public FeatureDumpSummary Run(IProgress<FeatureDumpProgress>? progress = null, ScalarType dtype = ScalarType.Float32, Device? device = null, CancellationToken cancellationToken = default)
    {
        var model = Composition.Model;
        model.to(dtype).to(device ?? CPU);
        model.eval();
        var total = Data.Count;
        var done = 0;
        var images = Data.Folder.Images.Select(entry => (entry.Stem, (Func<Tensor>)(() => Data.Load([entry], dtype, device).Images)));
        var report = progress is null ? null : new SynchronousProgress<(string Stem, CacheStatus Status)>(p => progress.Report(new FeatureDumpProgress(++done, total, p.Stem, p.Status)));
        return FeatureDump.Run(Cache, images, model.TeacherFeatures, report, cancellationToken);
    }
}
