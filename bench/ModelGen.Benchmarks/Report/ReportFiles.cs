using System.Globalization;
using System.Text;
using ModelGen.Models.IO;

namespace ModelGen.Benchmarks.Report;

/// <summary>The report's CSV and Markdown tables.</summary>
internal static class ReportFiles
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The fraction of the matmul roofline a forward reaches: 2 FLOPs per counted multiply-add over its median time.</summary>
    public static double RooflineFraction(ForwardResult result, double rooflineGflops) =>
        2 * result.GigaMacs / result.Median / rooflineGflops;

    public static void WriteCsv(string path, IEnumerable<ForwardResult> tuned, IReadOnlyList<(ForwardResult Sam, ForwardResult Vitamin)> pairs,
        IEnumerable<(string Mode, ForwardResult Result)> memoryModes, IEnumerable<PeerResult> peers, double roofline)
    {
        var csv = new StringBuilder("table,mode,variant,side,gmacs,first_s,median_s,min_s,max_s,peak_mib,estimate_mib,retained_mib,roofline_fraction,threads,load\n");
        void Row(string table, string mode, ForwardResult r) => csv.AppendLine(string.Create(Invariant,
            $"{table},{mode},{r.Variant},{r.Side},{r.GigaMacs:F3},{r.FirstSeconds:F4},{r.Median:F4},{r.Seconds.Min():F4},{r.Seconds.Max():F4},{r.PeakMiB:F0},{r.EstimateMiB:F0},{r.RetainedMiB:F0},{(r.GigaMacs > 0 ? RooflineFraction(r, roofline) : double.NaN):F3},{r.Threads},\"{r.Load}\""));
        foreach (var r in tuned)
            Row("forward", "freed memory reused", r);
        for (var round = 0; round < pairs.Count; round++)
        {
            Row("alternated", $"round {round + 1}", pairs[round].Sam);
            Row("alternated", $"round {round + 1}", pairs[round].Vitamin);
        }
        foreach (var (mode, r) in memoryModes)
            Row("memory-settings", mode, r);
        foreach (var (_, mode, r) in peers)
            Row("upstream", mode, r);
        AtomicFile.WriteAllText(path, csv.ToString());
    }

    public static string Markdown(IReadOnlyList<string> notes, int matmulSide, MatmulRoofline rooflineBefore, MatmulRoofline rooflineAfter,
        IReadOnlyList<ForwardResult> tuned, IReadOnlyList<(ForwardResult Sam, ForwardResult Vitamin)> pairs,
        IReadOnlyList<(string Mode, ForwardResult Result)> memoryModes,
        IReadOnlyList<PeerResult> peers, double roofline, bool quick)
    {
        var md = new StringBuilder();
        md.AppendLine(quick ? "## Report (--quick: one repeat per size)" : "## Report");
        md.AppendLine();
        foreach (var note in notes)
            md.AppendLine($"- {note}");
        md.AppendLine($"- float32 {matmulSide}³ product, the faster of LibTorch's BLAS and oneDNN (LinearKernels): {rooflineBefore} at the start, {rooflineAfter} at the end (roofline: the larger)");
        md.AppendLine();
        md.AppendLine("### Forward time and peak memory (batch 1, float32, no grad, freed memory reused)");
        md.AppendLine();
        md.AppendLine("| variant | side | (side/16)² | GMACs | first (s) | median (s) | min-max (s) | step ratio | roofline | peak (MiB) | estimate (MiB) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in tuned.GroupBy(r => r.Variant))
        {
            ForwardResult? previous = null;
            foreach (var r in group)
            {
                var step = previous is null ? "" : (r.Median / previous.Median).ToString("F2", Invariant);
                md.AppendLine(string.Create(Invariant,
                    $"| {r.Variant} | {r.Side} | {(r.Side / 16) * (r.Side / 16)} | {r.GigaMacs:F1} | {r.FirstSeconds:F3} | {r.Median:F3} | {r.Seconds.Min():F3}-{r.Seconds.Max():F3} | {step} | {RooflineFraction(r, roofline):P0} | {r.PeakMiB:F0} | {r.EstimateMiB:F0} |"));
                previous = r;
            }
        }
        if (pairs.Count > 0)
        {
            md.AppendLine();
            md.AppendLine(string.Create(Invariant, $"### VITAMIN-S RWKV against SAM ViT-B at {pairs[0].Sam.Side}², alternated processes (freed memory reused)"));
            md.AppendLine();
            md.AppendLine("| round | SamVitB median (s) | VitaminSmallRwkv median (s) | SamVitB / VitaminSmallRwkv |");
            md.AppendLine("|---|---:|---:|---:|");
            for (var round = 0; round < pairs.Count; round++)
                md.AppendLine(string.Create(Invariant,
                    $"| {round + 1} | {pairs[round].Sam.Median:F3} | {pairs[round].Vitamin.Median:F3} | {pairs[round].Sam.Median / pairs[round].Vitamin.Median:F2} |"));
            var (sam, vitamin) = (ForwardResult.MedianOf([.. pairs.Select(p => p.Sam.Median)]),
                ForwardResult.MedianOf([.. pairs.Select(p => p.Vitamin.Median)]));
            md.AppendLine(string.Create(Invariant, $"| median of the rounds | {sam:F3} | {vitamin:F3} | {sam / vitamin:F2} |"));
        }
        md.AppendLine();
        md.AppendLine("### SAM ViT-B at 1024², native memory settings");
        md.AppendLine();
        md.AppendLine("| settings | first (s) | median (s) | min-max (s) | roofline | peak (MiB) | held after the forwards (MiB) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (mode, r) in memoryModes)
            md.AppendLine(string.Create(Invariant, $"| {mode} | {r.FirstSeconds:F3} | {r.Median:F3} | {r.Seconds.Min():F3}-{r.Seconds.Max():F3} | {RooflineFraction(r, roofline):P0} | {r.PeakMiB:F0} | {r.RetainedMiB:F0} |"));
        foreach (var group in peers.GroupBy(p => p.Peer))
        {
            var ours = tuned.Where(r => r.Variant == group.Key.Ours).ToDictionary(r => r.Side);
            md.AppendLine();
            md.AppendLine($"### {group.Key.Title}, same run");
            md.AppendLine();
            md.AppendLine($"| peer | settings | side | first (s) | median (s) | min-max (s) | peak (MiB) | {group.Key.Ours} median (s) | {group.Key.Ours} peak (MiB) |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (_, mode, r) in group)
            {
                var mine = ours.GetValueOrDefault(r.Side);
                md.AppendLine(string.Create(Invariant,
                    $"| {r.Variant} | {mode} | {r.Side} | {r.FirstSeconds:F3} | {r.Median:F3} | {r.Seconds.Min():F3}-{r.Seconds.Max():F3} | {r.PeakMiB:F0} | {mine?.Median.ToString("F3", Invariant) ?? "n/m"} | {mine?.PeakMiB.ToString("F0", Invariant) ?? "n/m"} |"));
            }
        }
        return md.ToString();
    }
}
