namespace ModelGen.Training.Data;

/// <summary>One image of a folder: its file and its stem, the key of its feature-cache entry (as upstream's <c>&lt;stem&gt;_&lt;model&gt;_cache.pth</c>).</summary>
public sealed record ImageEntry(string Stem, string Path);
