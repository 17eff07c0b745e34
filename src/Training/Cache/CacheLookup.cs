using static TorchSharp.torch;

namespace ModelGen.Training.Cache;

/// <summary>What a feature cache holds for one image.</summary>
public enum CacheStatus
{
    /// <summary>No entry: the teacher must run.</summary>
    Missing,

    /// <summary>An entry written for this teacher identity.</summary>
    Hit,

    /// <summary>A file dumped by upstream's Python pipeline for the same teacher model name (it records nothing else).</summary>
    UpstreamHit,

    /// <summary>An entry written for another teacher identity: it must be recomputed.</summary>
    Stale,
}

/// <summary>The outcome of a cache lookup; <see cref="Features"/> (owned by the caller) is set for hits.</summary>
public sealed record CacheLookup(CacheStatus Status, string Path, Tensor? Features, string? Reason = null);
