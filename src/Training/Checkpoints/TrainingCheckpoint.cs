using System.Text.Json;
using ModelGen.Models.IO;
using ModelGen.Models.Weights;
using ModelGen.Training.Distillation;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Checkpoints;

/// <summary>
/// A training checkpoint: everything a <see cref="DistillationTrainer"/> needs to continue exactly where it stopped, in
/// one safetensors file written atomically. Tensors: the student backbone's and neck's state under the detector's names
/// (<c>backbone_student.*</c>, <c>neck_student.*</c>, so each loads with its module's <c>LoadWeights(path, prefix)</c>),
/// AdamW's moments (<c>optimizer.exp_avg.&lt;parameter&gt;</c>, <c>optimizer.exp_avg_sq.&lt;parameter&gt;</c>) and the
/// CPU generator's state (<c>rng.cpu</c>). The metadata hold a JSON manifest: the composition (the frozen teacher by
/// class only), iteration, epoch and position in the epoch, every scheduler's state, and each parameter's rate and step.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StudentPrefix = "backbone_student";

    public const string StudentNeckPrefix = "neck_student";

    private const string ExpAvgPrefix = "optimizer.exp_avg.";
    private const string ExpAvgSqPrefix = "optimizer.exp_avg_sq.";
    private const string RngKey = "rng.cpu";

    /// <summary>Writes the trainer's state between two iterations; a previous file at <paramref name="path"/> is replaced only once the new one is complete.</summary>
    /// <exception cref="InvalidOperationException">Gradients have been computed but not applied.</exception>
    public static void Save(string path, DistillationTrainer trainer) => Save(path, trainer, stream => stream);

    /// <param name="intercept">Wraps the stream the file is written to; tests interrupt writes through it.</param>
    internal static void Save(string path, DistillationTrainer trainer, Func<Stream, Stream> intercept)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(trainer);
        if (trainer.HasPendingGradients)
            throw new InvalidOperationException("A checkpoint is written between iterations: the computed gradients have not been applied.");
        using var scope = NewDisposeScope();
        var model = trainer.Model;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        AddState(tensors, StudentPrefix, model.Student.Module);
        AddState(tensors, StudentNeckPrefix, model.StudentNeck);

        var optimizer = trainer.Optimizer;
        var groups = new List<OptimizerGroupState>();
        for (var i = 0; i < optimizer.TrainableGroups.Count; i++)
        {
            var group = optimizer.TrainableGroups[i];
            var state = optimizer.GetState(group.Name);
            tensors[ExpAvgPrefix + group.Name] = state.ExpAvg;
            tensors[ExpAvgSqPrefix + group.Name] = state.ExpAvgSq;
            using var gradient = group.Parameter.grad;
            var rate = optimizer.LearningRates[i];
            groups.Add(new OptimizerGroupState(group.Name, rate.LearningRate, rate.InitialLearningRate, state.Step, gradient is not null));
        }
        tensors[RngKey] = torch.random.get_rng_state();

        var manifest = new CheckpointManifest(
            CheckpointManifest.FormatName, CheckpointManifest.CurrentVersion, CheckpointComposition.Of(model),
            trainer.Iteration, trainer.Epoch, trainer.BatchInEpoch, trainer.Schedule.GetState(), groups);
        var metadata = new Dictionary<string, string> { [CheckpointManifest.MetadataKey] = manifest.ToJson() };
        AtomicFile.Write(path, stream => SafetensorsWriter.Write(intercept(stream), tensors, metadata));
    }

    /// <summary>
    /// Resumes <paramref name="trainer"/> (typically freshly built, with the frozen teacher's weights loaded) from a checkpoint:
    /// the student modules' weights, AdamW's state, the schedule, the gradients' presence, the generator and the counters.
    /// Everything is checked before anything changes.
    /// </summary>
    /// <exception cref="WeightFileException">The file is missing or not valid safetensors.</exception>
    /// <exception cref="TrainingCheckpointException">The file is not a training checkpoint, or it does not fit the trainer (another composition, missing tensors, other shapes); the trainer is unchanged.</exception>
    /// <exception cref="InvalidOperationException">Gradients have been computed but not applied.</exception>
    public static void Load(string path, DistillationTrainer trainer)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(trainer);
        if (trainer.HasPendingGradients)
            throw new InvalidOperationException("A checkpoint is loaded between iterations: the computed gradients have not been applied.");
        using var file = SafetensorsFile.Open(path);
        var manifest = ReadManifest(path, file);
        var model = trainer.Model;
        var differences = manifest.Composition.Differences(CheckpointComposition.Of(model));
        if (differences.Count > 0)
            throw new TrainingCheckpointException(path,
                $"the checkpoint is of another composition ({manifest.Composition}) than this trainer's ({CheckpointComposition.Of(model)}): {string.Join("; ", differences)}.");

        var problems = new List<string>();
        CheckState(problems, file, StudentPrefix, model.Student.Module);
        CheckState(problems, file, StudentNeckPrefix, model.StudentNeck);
        CheckOptimizer(problems, file, manifest, trainer);
        problems.AddRange(trainer.Schedule.Mismatches(manifest.Schedule));
        if (manifest.Schedule.Count > 0 && manifest.Schedule[0].GlobalStep != manifest.Iteration)
            problems.Add($"the manifest's iteration {manifest.Iteration} is not its schedule's ({manifest.Schedule[0].GlobalStep})");
        if (manifest.Epoch < -1 || manifest.BatchInEpoch < 0)
            problems.Add($"the data position (epoch {manifest.Epoch}, batch {manifest.BatchInEpoch}) is invalid");
        using (var rng = torch.random.get_rng_state())
            CheckTensor(problems, file, RngKey, rng.dtype, rng.shape);
        if (problems.Count > 0)
            throw new TrainingCheckpointException(path, $"the checkpoint does not fit this trainer: {string.Join("; ", problems)}.");

        LoadState(file, StudentPrefix, model.Student.Module);
        LoadState(file, StudentNeckPrefix, model.StudentNeck);
        RestoreOptimizer(file, manifest, trainer);
        trainer.Schedule.SetState(manifest.Schedule);
        using (var rng = file.Read(RngKey))
            torch.random.set_rng_state(rng);
        trainer.RestorePosition(manifest.Epoch, manifest.BatchInEpoch);
    }

    // A module without state (e.g. LastLayerNeck as the student's neck) has no keys in the file to load.
    private static void LoadState(SafetensorsFile file, string prefix, nn.Module module)
    {
        if (module.state_dict().Count > 0)
            WeightLoader.Load(module, file, prefix: prefix);
    }

    private static void AddState(Dictionary<string, Tensor> tensors, string prefix, nn.Module module)
    {
        foreach (var (key, tensor) in module.state_dict())
            tensors[$"{prefix}.{key}"] = tensor;
    }

    private static CheckpointManifest ReadManifest(string path, SafetensorsFile file)
    {
        if (!file.Metadata.TryGetValue(CheckpointManifest.MetadataKey, out var json))
            throw new TrainingCheckpointException(path, $"not a training checkpoint: its metadata have no '{CheckpointManifest.MetadataKey}' entry.");
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.FromJson(json);
        }
        catch (JsonException e)
        {
            throw new TrainingCheckpointException(path, $"the checkpoint's manifest cannot be read: {e.Message}", e);
        }
        if (manifest.Format != CheckpointManifest.FormatName || manifest.Version != CheckpointManifest.CurrentVersion)
            throw new TrainingCheckpointException(path,
                $"the checkpoint is '{manifest.Format}' version {manifest.Version}; this library reads '{CheckpointManifest.FormatName}' version {CheckpointManifest.CurrentVersion}.");
        return manifest;
    }

    /// <summary>Every key of the module's state under the prefix, with its dtype and shape, and no others.</summary>
    private static void CheckState(List<string> problems, SafetensorsFile file, string prefix, nn.Module module)
    {
        var state = module.state_dict();
        foreach (var (key, tensor) in state)
            CheckTensor(problems, file, $"{prefix}.{key}", tensor.dtype, tensor.shape);
        var unexpected = file.Tensors.Keys.Where(k => k.StartsWith(prefix + ".", StringComparison.Ordinal) && !state.ContainsKey(k[(prefix.Length + 1)..])).ToList();
        if (unexpected.Count > 0)
            problems.Add($"{unexpected.Count} tensors the {module.GetType().Name} does not have: {string.Join(", ", unexpected.Take(10))}");
    }

    private static void CheckOptimizer(List<string> problems, SafetensorsFile file, CheckpointManifest manifest, DistillationTrainer trainer)
    {
        var recorded = manifest.Optimizer.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        var trainable = trainer.Optimizer.TrainableGroups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var notRecorded = trainable.Keys.Where(n => !recorded.Contains(n)).ToList();
        if (notRecorded.Count > 0)
            problems.Add($"no optimizer state for {notRecorded.Count} trainable parameters: {string.Join(", ", notRecorded.Take(10))}");
        var notTrainable = recorded.Where(n => !trainable.ContainsKey(n)).ToList();
        if (notTrainable.Count > 0)
            problems.Add($"optimizer state for {notTrainable.Count} parameters this trainer does not train: {string.Join(", ", notTrainable.Take(10))}");
        foreach (var group in manifest.Optimizer)
        {
            if (!trainable.TryGetValue(group.Name, out var parameterGroup))
                continue;
            var parameter = parameterGroup.Parameter;
            CheckTensor(problems, file, ExpAvgPrefix + group.Name, parameter.dtype, parameter.shape);
            CheckTensor(problems, file, ExpAvgSqPrefix + group.Name, parameter.dtype, parameter.shape);
            if (group.Step < 0)
                problems.Add($"{group.Name} has a negative optimizer step {group.Step}");
        }
    }

    private static void CheckTensor(List<string> problems, SafetensorsFile file, string name, ScalarType dtype, long[] shape)
    {
        if (!file.Tensors.TryGetValue(name, out var stored))
            problems.Add($"tensor {name} is missing");
        else if (stored.DType != dtype || !stored.Shape.SequenceEqual(shape))
            problems.Add($"tensor {name} is {stored.DType} {stored.ShapeText}, expected {dtype} [{string.Join(", ", shape)}]");
    }

    private static void RestoreOptimizer(SafetensorsFile file, CheckpointManifest manifest, DistillationTrainer trainer)
    {
        var optimizer = trainer.Optimizer;
        var byName = manifest.Optimizer.ToDictionary(g => g.Name, StringComparer.Ordinal);
        for (var i = 0; i < optimizer.TrainableGroups.Count; i++)
        {
            var parameter = optimizer.TrainableGroups[i].Parameter;
            var group = byName[optimizer.TrainableGroups[i].Name];
            using (var expAvg = file.Read(ExpAvgPrefix + group.Name))
            using (var expAvgSq = file.Read(ExpAvgSqPrefix + group.Name))
                optimizer.SetState(group.Name, group.Step, expAvg, expAvgSq);
            optimizer.LearningRates[i].LearningRate = group.LearningRate;
            optimizer.LearningRates[i].InitialLearningRate = group.InitialLearningRate;
            if (group.HasGradient)
            {
                using var zeros = zeros_like(parameter);
                parameter.grad = zeros;
            }
            else
            {
                parameter.grad = null;
            }
        }
    }
}
