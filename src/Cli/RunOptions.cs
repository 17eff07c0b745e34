namespace ModelGen.Cli;

/// <param name="Pretrained">A pretrained tag of the variant to load first (e.g. sa1b), found in the weights folders or downloaded.</param>
/// <param name="Prefix">Prefix of the backbone's keys in <paramref name="Weights"/>; detected when null.</param>
/// <param name="AliasScheme">Alias scheme the names in <paramref name="Weights"/> are read through; detected when null.</param>
internal sealed record RunOptions(string Name, int? Size, FileInfo? Image, FileInfo? Weights, int Repeat, int? Threads, string? Pretrained = null, string? Prefix = null, string? AliasScheme = null);
