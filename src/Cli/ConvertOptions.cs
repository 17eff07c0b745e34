namespace ModelGen.Cli;

/// <param name="Prefix">Prefix of the backbone's keys in the checkpoint; detected when null.</param>
/// <param name="AliasScheme">Alias scheme the checkpoint's names are read through; detected when null.</param>
/// <param name="SavePrefix">Prefix to write the keys under (e.g. backbone_student); none when null.</param>
/// <param name="SaveAliasScheme">Alias scheme to write the names in (e.g. ovsam); upstream names when null.</param>
internal sealed record ConvertOptions(FileInfo Checkpoint, FileInfo Output, string Model, string? Prefix, string? AliasScheme, string? SavePrefix, string? SaveAliasScheme);
