namespace ModelGen.Training.Cache;

/// <summary>The files a <see cref="FeatureCache"/> writes; it reads both.</summary>
public enum FeatureCacheFormat
{
    /// <summary><c>&lt;stem&gt;_&lt;model&gt;_cache.safetensors</c>, recording the teacher identity, so a stale entry is detected.</summary>
    ModelGen,

    /// <summary>
    /// Upstream's <c>&lt;stem&gt;_&lt;model&gt;_cache.pth</c>, a bare <c>torch.save(tensor)</c>, which upstream's
    /// <c>LoadFeatFromFile</c> reads; it records nothing but the model name, so staleness cannot be detected.
    /// </summary>
    Upstream,
}
