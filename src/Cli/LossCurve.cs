using ModelGen.Models.IO;
using ModelGen.Training.Sessions;
using ScottPlot;

namespace ModelGen.Cli;

/// <summary>The loss of every logged iteration as a PNG line plot (ScottPlot), written atomically.</summary>
internal static class LossCurve
{
    public const int Width = 800;

    public const int Height = 500;

    public static void Write(string path, IReadOnlyList<DistillationStepRecord> steps, string title)
    {
        var plot = new Plot();
        var line = plot.Add.Scatter(steps.Select(s => (double)s.Iteration).ToArray(), steps.Select(s => s.Loss).ToArray());
        line.MarkerSize = steps.Count > 50 ? 0 : 4;
        plot.Title(title);
        plot.XLabel("iteration");
        plot.YLabel("distillation loss");
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }
}
