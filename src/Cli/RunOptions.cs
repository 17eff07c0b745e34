namespace ModelGen.Cli;

internal sealed record RunOptions(string Name, int? Size, FileInfo? Image, FileInfo? Weights, int Repeat, int? Threads);
