namespace ModelGen.Models.Weights;

/// <summary>
/// The rule of the data section: the tensors, taken by begin offset, tile it exactly, each starting where
/// the previous one ended, the first at 0 and the last ending at the end of the file. So no byte belongs
/// to two tensors or to none, and a truncated or padded file is caught.
/// </summary>
internal static class SafetensorsLayout
{
    public static void Check(string path, IEnumerable<SafetensorsEntry> entries, long dataLength)
    {
        var ordered = entries
            .OrderBy(e => e.Begin)
            .ThenBy(e => e.End)
            .ThenBy(e => e.Name, StringComparer.Ordinal);
        SafetensorsEntry? previous = null;
        long covered = 0;
        foreach (var entry in ordered)
        {
            if (entry.Begin < covered)
                throw Problem(path, $"tensors '{previous!.Name}' {Range(previous)} and '{entry.Name}' {Range(entry)} overlap in the data section");
            if (entry.Begin > covered)
            {
                throw Problem(path, previous is null
                    ? $"the first {entry.Begin} bytes of the data section belong to no tensor (the first tensor, '{entry.Name}', begins at byte {entry.Begin})"
                    : $"bytes [{covered}, {entry.Begin}) of the data section, between tensors '{previous.Name}' and '{entry.Name}', belong to no tensor");
            }
            if (entry.End > dataLength)
                throw Problem(path, $"tensor '{entry.Name}' {Range(entry)} ends beyond the data section, which is {dataLength} bytes long; the file is truncated or its header is wrong");
            covered = entry.End;
            previous = entry;
        }
        if (covered < dataLength)
        {
            throw Problem(path, previous is null
                ? $"the header lists no tensor, yet {dataLength} bytes of data follow it"
                : $"the last {dataLength - covered} bytes of the data section, after tensor '{previous.Name}', belong to no tensor");
        }
    }

    private static string Range(SafetensorsEntry entry) => $"[{entry.Begin}, {entry.End})";

    private static WeightFileException Problem(string path, string problem) => new(path, problem);
}
