namespace ModelGen.Models.Weights;

/// <summary>A checkpoint that does not fit the module; nothing was loaded. <see cref="Report"/> has every key by outcome.</summary>
public sealed class WeightLoadException : Exception
{
    public WeightLoadException(WeightLoadReport report)
        : base(Describe(report))
    {
        Report = report;
    }

    public WeightLoadException(string message, WeightLoadReport? report = null)
        : base(message)
    {
        Report = report;
    }

    public WeightLoadReport? Report { get; }

    /// <summary>Keys the module has and the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing => Report?.Missing ?? [];

    /// <summary>Keys the checkpoint has (under the chosen prefix) and the module lacks.</summary>
    public IReadOnlyList<string> Unexpected => Report?.Unexpected ?? [];

    /// <summary>Keys present on both sides with different shapes or dtype kinds, each with both sides.</summary>
    public IReadOnlyList<string> Mismatched => Report?.Mismatched ?? [];

    private static string Describe(WeightLoadReport report)
    {
        var parts = new List<string>();
        if (report.Missing.Count > 0) parts.Add($"{report.Missing.Count} missing key(s): {WeightLoadReport.Join(report.Missing)}");
        if (report.Unexpected.Count > 0) parts.Add($"{report.Unexpected.Count} unexpected key(s): {WeightLoadReport.Join(report.Unexpected)}");
        if (report.Mismatched.Count > 0) parts.Add($"{report.Mismatched.Count} key(s) that do not fit: {WeightLoadReport.Join(report.Mismatched)}");
        var layout = (report.Prefix.Length == 0 ? "no prefix" : $"prefix '{report.Prefix}'") + (report.AliasScheme is null ? ", own names" : $", alias scheme '{report.AliasScheme}'");
        return $"The weights in {report.File} do not fit the module ({layout}), so none were loaded. {string.Join("; ", parts)}.";
    }
}
