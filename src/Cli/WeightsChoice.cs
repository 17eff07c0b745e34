namespace ModelGen.Cli;

/// <summary>The weight options of <c>run</c> and <c>describe</c>: a pretrained tag of the variant, or a file with an optional prefix and alias scheme.</summary>
/// <param name="Pretrained">A pretrained tag of the variant (e.g. sa1b), found in the weights folders or downloaded.</param>
/// <param name="File">A weights file of any supported format.</param>
/// <param name="Prefix">Prefix of the backbone's keys in <paramref name="File"/>; detected when null.</param>
/// <param name="AliasScheme">Alias scheme the names in <paramref name="File"/> are read through; detected when null.</param>
internal sealed record WeightsChoice(string? Pretrained = null, FileInfo? File = null, string? Prefix = null, string? AliasScheme = null)
{
    public bool IsEmpty => Pretrained is null && File is null && Prefix is null && AliasScheme is null;

    public string Describe() => Pretrained is not null ? $"pretrained '{Pretrained}'" : File!.Name;
}
