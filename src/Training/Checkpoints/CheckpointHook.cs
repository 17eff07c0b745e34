using System.Globalization;
using ModelGen.Models.IO;
using ModelGen.Training.Distillation;

namespace ModelGen.Training.Checkpoints;

/// <summary>
/// mmengine's <c>CheckpointHook(interval, by_epoch=False, save_last=True)</c> for a training loop: a
/// <see cref="TrainingCheckpoint"/> every <see cref="Interval"/> iterations and one at the end, each as
/// <c>iter_&lt;n&gt;.safetensors</c> in <see cref="Folder"/>, with a <c>last_checkpoint</c> file naming the newest
/// (what a resume continues from). Every file is written atomically, so an interrupted write leaves the previous
/// checkpoint and pointer intact. The loop calls <see cref="AfterIteration"/> after every step and
/// <see cref="AfterTraining"/> once at the end.
/// </summary>
public sealed class CheckpointHook
{
    /// <summary>The file in the folder that names the newest checkpoint, as mmengine's.</summary>
    public const string LastCheckpointFile = "last_checkpoint";

    public CheckpointHook(string folder, int interval)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interval);
        Folder = folder;
        Interval = interval;
    }

    public string Folder { get; }

    /// <summary>The iterations between two checkpoints.</summary>
    public int Interval { get; }

    /// <summary>Where the checkpoint after <paramref name="iteration"/> completed iterations goes.</summary>
    public string PathOf(int iteration) => Path.Combine(Folder, $"iter_{iteration.ToString(CultureInfo.InvariantCulture)}.safetensors");

    /// <summary>After an iteration: writes a checkpoint when the completed iterations are a multiple of <see cref="Interval"/>.</summary>
    /// <returns>The checkpoint written, or null.</returns>
    public string? AfterIteration(DistillationTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return trainer.Iteration > 0 && trainer.Iteration % Interval == 0 ? Write(trainer) : null;
    }

    /// <summary>At the end of training: writes the final checkpoint unless <see cref="AfterIteration"/> just did.</summary>
    /// <returns>The final checkpoint.</returns>
    public string AfterTraining(DistillationTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var path = PathOf(trainer.Iteration);
        return Latest(Folder) == Path.GetFullPath(path) ? path : Write(trainer);
    }

    /// <summary>The newest checkpoint <c>last_checkpoint</c> names in <paramref name="folder"/>, as a full path; null when there is none.</summary>
    public static string? Latest(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var pointer = Path.Combine(folder, LastCheckpointFile);
        if (!File.Exists(pointer))
            return null;
        var name = File.ReadAllText(pointer).Trim();
        return name.Length == 0 ? null : Path.GetFullPath(Path.Combine(folder, name));
    }

    private string Write(DistillationTrainer trainer)
    {
        var path = PathOf(trainer.Iteration);
        TrainingCheckpoint.Save(path, trainer);
        AtomicFile.WriteAllText(Path.Combine(Folder, LastCheckpointFile), Path.GetFileName(path));
        return path;
    }
}
