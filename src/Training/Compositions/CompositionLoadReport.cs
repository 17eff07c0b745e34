using System.Text;
using ModelGen.Models.Weights;

namespace ModelGen.Training.Compositions;

/// <summary>What loading a detector-named file into a composition did: a report per part loaded, and the parts the file has no key for.</summary>
/// <param name="File">The file, as given.</param>
/// <param name="Parts">Each loaded part's report.</param>
/// <param name="Absent">Parts asked for that the file holds nothing of under their prefix (left as they were).</param>
public sealed record CompositionLoadReport(string File, IReadOnlyDictionary<CompositionParts, WeightLoadReport> Parts, IReadOnlyList<CompositionParts> Absent)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (role, report) in Parts)
            text.Append($"{role}: {report.Loaded.Count} tensors from '{report.Prefix}'{(report.AliasScheme is null ? "" : $" through '{report.AliasScheme}'")}; ");
        if (Absent.Count > 0)
            text.Append($"not in the file: {string.Join(", ", Absent)}; ");
        return text.Length == 0 ? $"{File}: nothing to load." : $"{File}: {text.ToString().TrimEnd(' ', ';')}.";
    }
}
