namespace ModelGen.Cli;

/// <summary>The weights a command loads before it runs: a pretrained tag of the variant, or a file with an optional prefix and alias scheme.</summary>
internal sealed record WeightsChoice(string? Pretrained, FileInfo? File, string? Prefix, string? AliasScheme)
{
    public static WeightsChoice? From(RunOptions options) => From(options.Pretrained, options.Weights, options.Prefix, options.AliasScheme);

    /// <summary>Null when neither a tag nor a file is given; an <see cref="ArgumentException"/> when both are.</summary>
    public static WeightsChoice? From(string? pretrained, FileInfo? file, string? prefix, string? aliasScheme)
    {
        if (pretrained is not null && file is not null)
            throw new ArgumentException("Give --pretrained or --weights, not both.");
        return pretrained is null && file is null ? null : new WeightsChoice(pretrained, file, prefix, aliasScheme);
    }

    public string Describe() => Pretrained is not null ? $"pretrained '{Pretrained}'" : File!.Name;
}
