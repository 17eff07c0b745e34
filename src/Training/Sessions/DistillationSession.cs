using System.Diagnostics;
using ModelGen.Training.Cache;
using ModelGen.Training.Checkpoints;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using ModelGen.Training.Distillation;
using ModelGen.Training.Optim;
using ModelGen.Training.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Sessions;

/// <summary>
/// The epoch loop of upstream's distillation configs over an image folder: mmengine's parameter groups, AdamW and
/// <c>LinearLR</c> + <c>CosineAnnealingLR</c> from the composition's recipe (the rate scaled to the batch size,
/// <c>auto_scale_lr</c>), a seeded shuffle per epoch, a checkpoint every N iterations and at the end, the CSV log, and
/// the trained student and neck as <c>student.safetensors</c> under upstream names.
/// </summary>
/// <remarks>
/// With a feature cache (upstream's <c>use_cache</c>), the teacher runs only on images whose features the cache lacks
/// (one image at a time, so the features do not depend on the batch), and stores them: from the second epoch on it does
/// not run. A resumed run (<see cref="DistillationSessionOptions.Resume"/>) continues the checkpoint's iteration, data
/// position and generator, and reproduces the uninterrupted run's losses bit for bit.
/// </remarks>
public sealed class DistillationSession
{
    private readonly DistillationComposition _composition;
    private readonly ImageDataset _data;
    private readonly FeatureCache? _cache;

    /// <param name="composition">The composition, weights initialised; it is converted to the options' dtype and device.</param>
    /// <param name="cache">The teacher's feature cache; null to run the teacher on every batch.</param>
    /// <exception cref="ArgumentException">The options are invalid, the images are prepared for another input, or without a cache the composition has no teacher.</exception>
    public DistillationSession(DistillationComposition composition, ImageDataset data, DistillationSessionOptions options, FeatureCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(composition);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0)
            throw new ArgumentException($"The session options are invalid: {string.Join("; ", problems)}.", nameof(options));
        if (data.Input != composition.Spec.Input)
            throw new ArgumentException($"The images are prepared for {data.Input}, but {composition.Name} takes {composition.Spec.Input}.", nameof(data));
        if (cache is null && !composition.HasTeacher)
            throw new ArgumentException($"{composition.Name} was built without its teacher, so its features must come from a cache.", nameof(cache));
        _composition = composition;
        _data = data;
        _cache = cache;
        Options = options;
        Recipe = options.Recipe ?? composition.Spec.Recipe;
        var recipe = Recipe;
        BatchSize = options.BatchSize ?? recipe.BatchSize;
        Epochs = options.Epochs ?? recipe.Epochs;
        EpochLength = data.BatchesPerEpoch(BatchSize);
        TotalIterations = Math.Min(options.MaxIterations ?? int.MaxValue, checked(Epochs * EpochLength));
        var scale = recipe.BaseBatchSize is int baseBatch ? new AutoScaleLr(baseBatch).Factor(1, BatchSize) : 1.0;
        LearningRate = (options.LearningRate ?? recipe.LearningRate) * scale;
    }

    public DistillationSessionOptions Options { get; }

    /// <summary>The recipe trained by: the options' or the composition's.</summary>
    public DistillationRecipe Recipe { get; }

    public int BatchSize { get; }

    public int Epochs { get; }

    /// <summary>Iterations per epoch.</summary>
    public int EpochLength { get; }

    /// <summary>The iteration the run stops at: the epochs' iterations, or the maximum given.</summary>
    public int TotalIterations { get; }

    /// <summary>The base learning rate after scaling to the batch size.</summary>
    public double LearningRate { get; }

    public string LogPath => Path.Combine(Options.OutputFolder, DistillationSessionOptions.LogFile);

    public string StudentPath => Path.Combine(Options.OutputFolder, DistillationSessionOptions.StudentFile);

    /// <summary>Trains until <see cref="TotalIterations"/>, or until <paramref name="cancellationToken"/> is cancelled (then after the current step, with a checkpoint).</summary>
    /// <param name="progress">Called after every iteration, on the training thread.</param>
    /// <exception cref="FileNotFoundException">Resume was asked for but the output folder names no checkpoint.</exception>
    /// <exception cref="ResumeMismatchException">Resume was asked for, but the run in the output folder has other settings (<c>session.json</c>: composition, images, batch size, epochs, learning rate, warm-up, seed, dtype, the optimizer and schedule values, the teacher's weights).</exception>
    /// <exception cref="ImageDataException">An image cannot be read or decoded.</exception>
    public DistillationResult Run(IProgress<DistillationStepRecord>? progress = null, CancellationToken cancellationToken = default)
    {
        var model = _composition.Model;
        model.to(Options.DType).to(Options.Device ?? CPU);
        model.Student.GradCheckpointing = Options.GradCheckpointing;
        var recipe = Recipe;
        var adamOptions = new AdamWOptions(LearningRate, recipe.WeightDecay, recipe.Beta1, recipe.Beta2, recipe.Eps);
        using var optimizer = new AdamWOptimizer(ParameterGroups.Build(model, recipe.WeightDecay, new ParamwiseOptions(recipe.NormDecayMult)), adamOptions);
        var schedule = LrSchedule.LinearWarmupCosine(
            optimizer.LearningRates, recipe.WarmupStartFactor, Options.WarmupIterations ?? recipe.WarmupIterations, Epochs, EpochLength, recipe.EtaMinRatio);
        var trainer = new DistillationTrainer(model, optimizer, schedule, recipe.MaxGradNorm);
        var hook = new CheckpointHook(Options.OutputFolder, Options.CheckpointInterval);

        var log = new List<DistillationStepRecord>();
        string? resumedFrom = null;
        var settings = new SessionSettings(_composition.Name, _data.Count, BatchSize, Epochs, LearningRate, Options.WarmupIterations ?? recipe.WarmupIterations, Options.Seed, Options.DType.ToString(), SessionSettings.Describe(recipe),
            _cache?.Identity.Weights ?? "(no cache: the teacher as built)");
        if (Options.Resume)
        {
            resumedFrom = CheckpointHook.Latest(Options.OutputFolder)
                ?? throw new FileNotFoundException($"{Options.OutputFolder} holds no checkpoint to resume from (no {CheckpointHook.LastCheckpointFile} file).");
            if (SessionSettings.Read(Options.OutputFolder) is { } recorded && recorded.Differences(settings) is { Count: > 0 } differences)
                throw new ResumeMismatchException($"{Options.OutputFolder} holds a run of other settings, which a resume would not continue: {string.Join("; ", differences)}.");
            TrainingCheckpoint.Load(resumedFrom, trainer);
            if (File.Exists(LogPath))
                log.AddRange(TrainingLog.Read(LogPath).Where(r => r.Iteration < trainer.Iteration));
        }
        else
        {
            settings.Write(Options.OutputFolder);
        }

        var steps = new List<DistillationStepRecord>();
        var teacherImages = 0;
        var clock = new Stopwatch();
        while (trainer.Iteration < TotalIterations && !cancellationToken.IsCancellationRequested)
        {
            clock.Restart();
            if (trainer.Epoch < 0 || trainer.BatchInEpoch >= EpochLength)
                trainer.BeginEpoch();
            var entries = _data.BatchEntries(trainer.Epoch, trainer.BatchInEpoch, BatchSize, Options.Seed);
            TrainingStep step;
            var ranTeacher = entries.Count;
            using (NewDisposeScope())
            {
                var batch = _data.Load(entries, Options.DType, Options.Device);
                var targets = _cache is null ? null : Targets(batch, out ranTeacher);
                step = trainer.Step(batch.Images, targets);
            }
            teacherImages += ranTeacher;
            var record = new DistillationStepRecord(trainer.Epoch, step.Iteration, step.Loss, step.LearningRate, step.GradNorm, entries.Count / clock.Elapsed.TotalSeconds, ranTeacher);
            steps.Add(record);
            log.Add(record);
            if (hook.AfterIteration(trainer) is not null)
                TrainingLog.Write(LogPath, log);
            progress?.Report(record);
        }

        var checkpoint = hook.AfterTraining(trainer);
        TrainingLog.Write(LogPath, log);
        var cancelled = trainer.Iteration < TotalIterations;
        if (!cancelled)
            _composition.SaveWeights(StudentPath);
        return new DistillationResult(steps, trainer.Iteration, resumedFrom, cancelled, checkpoint, cancelled ? null : StudentPath, teacherImages);
    }

    /// <summary>The teacher's features of the batch's images, from the cache or computed (and stored) one image at a time.</summary>
    private Tensor Targets(ImageBatch batch, out int ranTeacher)
    {
        ranTeacher = 0;
        var features = new List<Tensor>();
        for (var i = 0; i < batch.Entries.Count; i++)
        {
            var stem = batch.Entries[i].Stem;
            var lookup = _cache!.Lookup(stem);
            if (lookup.Features is { } cached)
            {
                features.Add(cached.to(Options.DType, Options.Device ?? CPU));
                continue;
            }
            if (!_composition.HasTeacher)
                throw new InvalidOperationException(
                    $"{stem}: the feature cache {_cache.Folder} has no features for it ({lookup.Status}{(lookup.Reason is null ? "" : $": {lookup.Reason}")}), and {_composition.Name} was built without its teacher.");
            var computed = _composition.Model.TeacherFeatures(batch.Images[i..(i + 1)]);
            _cache.Store(stem, computed[0]);
            features.Add(computed[0]);
            ranTeacher++;
        }
        return stack(features);
    }
}
