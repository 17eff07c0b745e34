using System.Globalization;
using System.Text;
using ModelGen.Models.IO;

namespace ModelGen.Training.Sessions;

/// <summary>
/// The CSV log of a session, one row per iteration. It is rewritten whole and atomically with every checkpoint and at the
/// end, so it always ends at a checkpoint's iteration and a resumed run continues it without duplicate rows. Losses,
/// learning rates and gradient norms are written in their shortest round-trip form, so a loss read back is the loss
/// computed, bit for bit; images per second with two decimals.
/// </summary>
public static class TrainingLog
{
    public const string Header = "epoch,iteration,loss,lr,grad_norm,images_per_second,teacher_images";

    public static void Write(string path, IEnumerable<DistillationStepRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder(Header).Append('\n');
        foreach (var r in records)
            text.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{r.Iteration},{Number(r.Loss)},{Number(r.LearningRate)},{(r.GradNorm is { } g ? Number(g) : "")},{r.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture)},{r.TeacherImages}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <exception cref="FormatException">The file is not a log of this format.</exception>
    public static IReadOnlyList<DistillationStepRecord> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != Header)
            throw new FormatException($"{path} is not a training log: its first line is not '{Header}'.");
        return lines.Skip(1).Where(l => l.Length > 0).Select((line, i) =>
        {
            var f = line.Split(',');
            if (f.Length != 7)
                throw new FormatException($"{path}, line {i + 2}: {f.Length} fields instead of 7.");
            return new DistillationStepRecord(
                int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture),
                f[4].Length == 0 ? null : double.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[5], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture));
        }).ToList();
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
