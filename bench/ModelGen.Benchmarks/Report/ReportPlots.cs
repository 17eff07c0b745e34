using ModelGen.Models.IO;
using ScottPlot;

namespace ModelGen.Benchmarks.Report;

/// <summary>The report's PNG plots: time and peak memory against the image side per variant, and the roofline fraction.</summary>
internal static class ReportPlots
{
    private const int Width = 900;
    private const int Height = 560;

    public static void Write(string folder, IReadOnlyList<ForwardResult> results, double roofline)
    {
        Save(Path.Combine(folder, "forward-time.png"), results, r => r.Median, "forward time (s, log scale)", "Forward time against image side", logY: true);
        Save(Path.Combine(folder, "peak-memory.png"), results, r => r.PeakMiB / 1024, "peak memory of a forward (GiB, log scale)", "Peak memory against image side", logY: true);
        Save(Path.Combine(folder, "roofline.png"), results, r => 100 * ReportFiles.RooflineFraction(r, roofline),
            "% of the float32 matmul GFLOP/s", "Fraction of the matmul roofline", logY: false);
    }

    private static void Save(string path, IReadOnlyList<ForwardResult> results, Func<ForwardResult, double> value, string yLabel, string title, bool logY)
    {
        var plot = new Plot();
        foreach (var group in results.GroupBy(r => r.Variant))
        {
            var xs = group.Select(r => Math.Log2(r.Side)).ToArray();
            var ys = group.Select(r => logY ? Math.Log10(Math.Max(value(r), 1e-6)) : value(r)).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = group.Key;
            line.MarkerSize = 6;
        }
        var sides = results.Select(r => r.Side).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(sides.Select(side => Math.Log2(side)).ToArray(), sides.Select(side => side.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        if (logY)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => Math.Pow(10, y).ToString("G3") };
        plot.Title(title);
        plot.XLabel("image side (pixels, log scale)");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }
}
