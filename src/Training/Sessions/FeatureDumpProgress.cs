using ModelGen.Training.Cache;

namespace ModelGen.Training.Sessions;

/// <summary>One image of a dump handled: how many are done of how many, and whether its features were reused or computed.</summary>
public sealed record FeatureDumpProgress(int Done, int Total, string Stem, CacheStatus Status);
