using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Training.Cache;

/// <summary>
/// Teacher features, one file per image, in a folder. Entries are safetensors files whose metadata record
/// the <see cref="TeacherIdentity"/>, so an entry of another teacher, weights or preprocessing is detected
/// as stale; they are written atomically. Files upstream's <c>BackboneDump</c> wrote
/// (<c>&lt;image stem&gt;_&lt;model name&gt;_cache.pth</c>, a bare (C, h, w) tensor) are read too, so a cache
/// dumped by the Python pipeline is reused, and written with <see cref="FeatureCacheFormat.Upstream"/>, so a cache
/// dumped here feeds upstream's training.
/// </summary>
public sealed class FeatureCache
{
    private const string FeaturesName = "features";
    private const string FingerprintKey = "teacher_fingerprint";

    public FeatureCache(string folder, TeacherIdentity identity, FeatureCacheFormat format = FeatureCacheFormat.ModelGen)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Enum.IsDefined(format))
            throw new ArgumentOutOfRangeException(nameof(format), format, "Not a cache format.");
        Folder = folder;
        Identity = identity ?? throw new ArgumentNullException(nameof(identity));
        Format = format;
    }

    public string Folder { get; }

    /// <summary>The files <see cref="Store"/> writes.</summary>
    public FeatureCacheFormat Format { get; }

    public TeacherIdentity Identity { get; }

    /// <summary>Where this cache writes the entry of the image with file stem <paramref name="imageStem"/>.</summary>
    public string PathOf(string imageStem) => Path.Combine(Folder, $"{imageStem}_{Identity.ModelName}_cache.safetensors");

    /// <summary>Where upstream's <c>BackboneDump</c> writes it.</summary>
    public string UpstreamPathOf(string imageStem) => Path.Combine(Folder, $"{imageStem}_{Identity.ModelName}_cache.pth");

    /// <summary>The cached features of an image: this cache's entry when it is for this teacher, else upstream's file, else none.</summary>
    public CacheLookup Lookup(string imageStem) => Find(imageStem, readFeatures: true);

    /// <summary>What <see cref="Lookup"/> would find, from the files' headers only (no features are read).</summary>
    public CacheStatus StatusOf(string imageStem) => Find(imageStem, readFeatures: false).Status;

    private CacheLookup Find(string imageStem, bool readFeatures)
    {
        var path = PathOf(imageStem);
        if (File.Exists(path))
        {
            using var file = SafetensorsFile.Open(path);
            var fingerprint = file.Metadata.GetValueOrDefault(FingerprintKey);
            if (fingerprint == Identity.Fingerprint && file.Tensors.ContainsKey(FeaturesName))
                return new CacheLookup(CacheStatus.Hit, path, readFeatures ? file.Read(FeaturesName) : null);
            // A stale entry of ours is replaced by upstream's file when that is what this cache writes.
            if (Format != FeatureCacheFormat.Upstream || !File.Exists(UpstreamPathOf(imageStem)))
                return new CacheLookup(CacheStatus.Stale, path, null, Difference(file.Metadata));
        }
        var upstream = UpstreamPathOf(imageStem);
        if (File.Exists(upstream))
            return new CacheLookup(CacheStatus.UpstreamHit, upstream, readFeatures ? TorchTensorFile.ReadTensor(upstream) : null);
        return new CacheLookup(CacheStatus.Missing, path, null);
    }

    /// <summary>
    /// Writes the features of one image (a (C, h, w) tensor, copied to the CPU) atomically: with the teacher identity,
    /// or as upstream's file (<see cref="Format"/>).
    /// </summary>
    public void Store(string imageStem, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 3)
            throw new ArgumentException($"Cache entries hold one image's (C, h, w) features, not shape [{string.Join(", ", features.shape)}].", nameof(features));
        Directory.CreateDirectory(Folder);
        if (Format == FeatureCacheFormat.Upstream)
        {
            TorchCheckpointWriter.WriteTensor(UpstreamPathOf(imageStem), features);
            return;
        }
        var metadata = new Dictionary<string, string>(Identity.Fields, StringComparer.Ordinal) { [FingerprintKey] = Identity.Fingerprint };
        SafetensorsWriter.Write(PathOf(imageStem), new Dictionary<string, Tensor> { [FeaturesName] = features }, metadata);
    }

    private string Difference(IReadOnlyDictionary<string, string> recorded)
    {
        var changed = Identity.Fields.Where(f => recorded.GetValueOrDefault(f.Key) != f.Value).Select(f => $"{f.Key} '{recorded.GetValueOrDefault(f.Key) ?? "(none)"}' instead of '{f.Value}'").ToList();
        return changed.Count == 0 ? "the entry does not record this teacher's fingerprint" : "written for another teacher: " + string.Join(", ", changed);
    }
}
