using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using ModelGen.Training.Cache;
using ModelGen.Training.Checkpoints;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using ModelGen.Training.Sessions;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>
/// <c>dump</c> and <c>distill</c>, thin commands over <see cref="FeatureDumpSession"/> and <see cref="DistillationSession"/>.
/// Every argument is checked, and every image's header read, before anything is built; the problems of the library
/// (an image that cannot be decoded, weights that do not fit) become one-line <see cref="UserError"/>s.
/// </summary>
internal static class DistillationCommands
{
    public static int Dump(TextWriter output, TextWriter error, StepProgress progress, DumpOptions options, CancellationToken cancellationToken)
    {
        var registration = Composition(options.Composition);
        var dtype = DType(options.DType);
        var format = options.Format switch
        {
            "modelgen" => FeatureCacheFormat.ModelGen,
            "upstream" => FeatureCacheFormat.Upstream,
            _ => throw UserError.Usage($"--format '{options.Format}' is not a cache format; use modelgen or upstream."),
        };
        var data = Images(options.Images, registration.Spec.Input);
        if (options.Weights is { } file)
        {
            ArgumentChecks.ExistingFile(file, "--weights");
            if (options.Pretrained)
                throw UserError.Usage("give --weights or --pretrained, not both.");
        }
        if (options.Pretrained && registration.Spec.Teacher.Pretrained is null)
            throw UserError.Usage($"--pretrained: {registration.Name}'s teacher {registration.Spec.Teacher.Type.Name} declares no pretrained weights; give --weights.");
        ArgumentChecks.OutputFolder(options.Output, "--out");

        return LibraryErrors(() =>
        {
            manual_seed(options.Seed);
            using var composition = progress.Run($"building {registration.Name}", _ => registration.Factory(true));
            LoadTeacherWeights(progress, composition, options.Weights, options.Pretrained);
            var weights = DescribeTeacherWeights(registration.Spec, options.Weights, options.Pretrained, options.Seed);
            var cache = new FeatureCache(options.Output.FullName, composition.Spec.TeacherIdentity(weights, dtype.ToString()), format);
            output.WriteLine($"{registration.Name}: teacher {registration.Spec.Teacher.Type.Name} + {registration.Spec.TeacherNeck.Type.Name}, weights {weights}");
            var done = 0;
            try
            {
                var summary = progress.Run($"dumping {data.Count} images", task => new FeatureDumpSession(composition, data, cache).Run(
                    new SynchronousProgress<FeatureDumpProgress>(p =>
                    {
                        done = p.Done;
                        Advance(task, p.Done, p.Total, $"dumping {p.Done}/{p.Total} ({p.Stem})");
                    }),
                    dtype, cancellationToken: cancellationToken));
                output.WriteLine($"dumped {summary.Computed} images into {cache.Folder}; {summary.Reused} already cached");
                return ExitCodes.Success;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error.WriteLine($"modelgen: interrupted after {done} of {data.Count} images; their entries are in {cache.Folder}; run the same command to continue.");
                return ExitCodes.Interrupted;
            }
        });
    }

    public static int Distill(TextWriter output, TextWriter error, StepProgress progress, DistillOptions options, CancellationToken cancellationToken)
    {
        var registration = Composition(options.Composition);
        var dtype = DType(options.DType);
        AtLeastOne(options.Epochs, "--epochs");
        AtLeastOne(options.BatchSize, "--batch-size");
        AtLeastOne(options.Warmup, "--warmup");
        AtLeastOne(options.MaxIterations, "--max-iters");
        AtLeastOne(options.CheckpointEvery, "--checkpoint-every");
        if (options.LearningRate is { } lr && !(double.IsFinite(lr) && lr > 0))
            throw UserError.Usage($"--lr must be a positive number; got {lr.ToString(CultureInfo.InvariantCulture)}.");
        var sessionOptions = new DistillationSessionOptions(
            options.Output.FullName, options.Epochs, options.BatchSize, options.LearningRate, options.Warmup, options.MaxIterations,
            options.CheckpointEvery ?? DistillOptions.DefaultCheckpointEvery, options.Seed, dtype, Resume: options.Resume,
            Recipe: Recipe(registration.Spec.Recipe, options), GradCheckpointing: options.GradCheckpointing);
        var data = Images(options.Images, registration.Spec.Input);
        if (options.StudentWeights is { } student)
            ArgumentChecks.ExistingFile(student, "--student-weights");
        if (options.TeacherWeights is { } teacher)
            ArgumentChecks.ExistingFile(teacher, "--teacher-weights");
        if (File.Exists(options.Output.FullName))
            throw UserError.File($"--out: {options.Output.FullName} is a file, not a folder.");
        var latest = CheckpointHook.Latest(options.Output.FullName);
        if (options.Resume && latest is null)
            throw UserError.File($"--resume: {options.Output.FullName} holds no checkpoint to continue (no {CheckpointHook.LastCheckpointFile} file).");
        if (!options.Resume && latest is not null)
            throw UserError.Usage($"--out: {options.Output.FullName} already holds a run (its last checkpoint is {Path.GetFileName(latest)}); give --resume to continue it, or another --out.");
        ArgumentChecks.OutputFolder(options.Output, "--out");
        var usesCache = registration.Spec.UseCache || options.Cache is not null;
        var cacheFolder = options.Cache ?? new DirectoryInfo(Path.Combine(options.Output.FullName, "cache"));
        if (usesCache)
            ArgumentChecks.OutputFolder(cacheFolder, "--cache");

        return LibraryErrors(() =>
        {
            var spec = registration.Spec;
            var teacherPretrained = !options.NoPretrained && spec.Teacher.Pretrained is not null;
            FeatureCache? cache = usesCache
                ? new FeatureCache(cacheFolder.FullName, spec.TeacherIdentity(DescribeTeacherWeights(spec, options.TeacherWeights, teacherPretrained, options.Seed), dtype.ToString()))
                : null;
            // The student neck's embedding is copied from the teacher: without it, only from its declared pretrained file.
            var embeddingNeedsTeacher = spec.StudentNeckEmbeddingFromTeacher && !options.NoPretrained && !options.Resume
                                        && (options.TeacherWeights is not null || spec.Teacher.Pretrained is null);
            // A cache that holds every image's features spares building the teacher (SAM ViT-H: 2.5 GB).
            var withTeacher = cache is null || embeddingNeedsTeacher
                || data.Folder.Images.Any(image => cache.StatusOf(image.Stem) is not (CacheStatus.Hit or CacheStatus.UpstreamHit));
            manual_seed(options.Seed);
            using var composition = progress.Run($"building {registration.Name}{(withTeacher ? "" : " without its teacher (every image's features are cached)")}", _ => registration.Factory(withTeacher));
            if (withTeacher)
                LoadTeacherWeights(progress, composition, options.TeacherWeights, teacherPretrained);
            else
                output.WriteLine($"{spec.Teacher.Type.Name} is not built: the cache holds every image's features");
            // A resume takes the student from its checkpoint: its initialisation would be overwritten.
            if (!options.Resume)
            {
                var pretrained = options.NoPretrained ? CompositionParts.None : CompositionParts.All & ~CompositionParts.Teacher;
                foreach (var done in progress.Run("initialising the student", task => composition.Initialize(null, Downloads(task), options.StudentWeights?.FullName, pretrained)))
                    output.WriteLine($"{done.Role}: {done.Source}{(done.Report is null ? "" : $" ({done.Report.Loaded.Count} tensors)")}");
            }
            var session = new DistillationSession(composition, data, sessionOptions, cache);
            output.WriteLine($"{registration.Name}: {data.Count} images, {session.Epochs} epochs of {session.EpochLength} iterations (batch {session.BatchSize}), "
                + $"stopping at iteration {session.TotalIterations}; learning rate {Number(session.LearningRate)} after scaling to the batch; teacher weights {TeacherWeightsLabel(spec, options.TeacherWeights, teacherPretrained, options.Seed)}; "
                + (cache is null ? "teacher run on every batch" : $"feature cache {cache.Folder}")
                + (options.GradCheckpointing ? "; the student's activations checkpointed per block" : ""));

            var clock = Stopwatch.StartNew();
            int? firstIteration = null;
            var result = progress.Run("distilling", task => session.Run(new SynchronousProgress<DistillationStepRecord>(step =>
            {
                firstIteration ??= step.Iteration;
                var done = step.Iteration + 1;
                var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (done - firstIteration.Value) * (session.TotalIterations - done));
                Advance(task, done, session.TotalIterations,
                    $"step {done}/{session.TotalIterations} loss {Number(step.Loss)} lr {Number(step.LearningRate)} {step.ImagesPerSecond:F1} img/s ETA {(int)remaining.TotalHours}:{remaining:mm\\:ss}");
            }), cancellationToken));

            var pth = Path.Combine(options.Output.FullName, DistillOptions.StudentPthFile);
            if (!result.Cancelled)
                composition.SaveWeights(pth);
            var log = TrainingLog.Read(session.LogPath);
            var curve = Path.Combine(options.Output.FullName, DistillOptions.LossCurveFile);
            if (log.Count > 0)
                LossCurve.Write(curve, log, $"{registration.Name}: distillation loss");
            foreach (var step in result.Steps)
                output.WriteLine($"iteration {step.Iteration} (epoch {step.Epoch}): loss {Number(step.Loss)}, lr {Number(step.LearningRate)}, teacher images {step.TeacherImages}");
            output.WriteLine($"{(result.ResumedFrom is null ? "" : $"resumed from {Path.GetFileName(result.ResumedFrom)}; ")}{result.Steps.Count} iterations, {result.Iteration} in all; the teacher ran on {result.TeacherImages} images");
            output.WriteLine($"wrote {result.Checkpoint}, {session.LogPath}{(log.Count > 0 ? $", {curve}" : "")}{(result.StudentWeights is null ? "" : $", {result.StudentWeights}, {pth}")}");
            if (!result.Cancelled)
                return ExitCodes.Success;
            error.WriteLine($"modelgen: interrupted after iteration {result.Iteration}; checkpoint {result.Checkpoint} written; continue with --resume.");
            return ExitCodes.Interrupted;
        });
    }

    private static DistillationRegistration Composition(string name)
    {
        try
        {
            return DistillationZoo.Describe(name);
        }
        catch (KeyNotFoundException e)
        {
            throw UserError.Usage(e.Message);
        }
    }

    private static ScalarType DType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        _ => throw UserError.Usage($"--dtype must be float32 or float64; got '{name}'."),
    };

    /// <summary>The folder's images, each one's header read, so that a file that is no image fails before anything is built.</summary>
    private static ImageDataset Images(DirectoryInfo folder, DistillationInput input)
    {
        try
        {
            var images = ImageFolder.Open(folder.FullName);
            foreach (var image in images.Images)
                ImagePreparation.Probe(image.Path);
            return new ImageDataset(images, input);
        }
        catch (ImageDataException e)
        {
            throw UserError.File($"--images: {e.Message}.", e);
        }
    }

    /// <summary>Loads the teacher's weights: a file, or its declared pretrained tag, or none (its initialisation).</summary>
    private static void LoadTeacherWeights(StepProgress progress, DistillationComposition composition, FileInfo? file, bool pretrained)
    {
        var teacher = (BackboneModule)composition.Parts.Single(p => p.Role == CompositionParts.Teacher).Module;
        if (file is not null)
            progress.Run($"loading {file.Name}", _ => teacher.LoadWeights(file.FullName));
        else if (pretrained)
            progress.Run($"loading pretrained '{composition.Spec.Teacher.Pretrained}'", task => teacher.LoadPretrained(composition.Spec.Teacher.Pretrained!, progress: Downloads(task)));
    }

    private static string TeacherWeightsLabel(DistillationSpec spec, FileInfo? file, bool pretrained, int seed) =>
        file is not null ? file.Name : pretrained ? $"pretrained '{spec.Teacher.Pretrained}'" : $"initialisation (seed {seed})";

    /// <summary>What identifies the teacher's weights for the cache, known before the teacher is built.</summary>
    private static string DescribeTeacherWeights(DistillationSpec spec, FileInfo? file, bool pretrained, int seed)
    {
        if (file is not null)
            return DistillationComposition.DescribeWeightsFile(file.FullName);
        if (!pretrained)
            return DistillationComposition.DescribeInitialisation(seed);
        return DistillationComposition.DescribePretrained(spec.TeacherPretrainedSource!);
    }

    private static Progress<DownloadProgress> Downloads(Spectre.Console.ProgressTask? task) => new(p =>
    {
        if (p.TotalBytes is > 0 and var total)
            Advance(task, p.BytesReceived, total, $"downloading {p.FileName}");
    });

    /// <summary>Runs the library part of a command, turning its data and weights problems into file errors.</summary>
    private static int LibraryErrors(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (ImageDataException e)
        {
            throw UserError.File($"--images: {e.Message}.", e);
        }
        catch (CompositionWeightsException e)
        {
            throw UserError.File(e.Message, e);
        }
        catch (ResumeMismatchException e)
        {
            throw UserError.Usage($"--resume: {e.Message}");
        }
        catch (Exception e) when (e is TrainingCheckpointException or FormatException)
        {
            // A damaged or foreign checkpoint, log or session.json in --out.
            throw UserError.File($"--out: {e.Message}", e);
        }
    }

    /// <summary>The composition's recipe with the command line's optimizer and schedule values.</summary>
    private static DistillationRecipe Recipe(DistillationRecipe recipe, DistillOptions options)
    {
        InRange(options.WeightDecay, "--weight-decay", "0 or more", v => v >= 0);
        InRange(options.MaxGradNorm, "--max-grad-norm", "a positive number", v => v > 0);
        InRange(options.WarmupFactor, "--warmup-factor", "in (0, 1]", v => v is > 0 and <= 1);
        InRange(options.EtaMinRatio, "--eta-min-ratio", "in [0, 1]", v => v is >= 0 and <= 1);
        AtLeastOne(options.BaseBatchSize, "--base-batch-size");
        if (options.NoClipping && options.MaxGradNorm is not null)
            throw UserError.Usage("give --max-grad-norm or --no-clipping, not both.");
        if (options.NoLrScaling && options.BaseBatchSize is not null)
            throw UserError.Usage("give --base-batch-size or --no-lr-scaling, not both.");
        return recipe with
        {
            WeightDecay = options.WeightDecay ?? recipe.WeightDecay,
            MaxGradNorm = options.NoClipping ? null : options.MaxGradNorm ?? recipe.MaxGradNorm,
            WarmupStartFactor = options.WarmupFactor ?? recipe.WarmupStartFactor,
            EtaMinRatio = options.EtaMinRatio ?? recipe.EtaMinRatio,
            BaseBatchSize = options.NoLrScaling ? null : options.BaseBatchSize ?? recipe.BaseBatchSize,
        };
    }

    private static void InRange(double? value, string option, string range, Func<double, bool> accepts)
    {
        if (value is { } v && !(double.IsFinite(v) && accepts(v)))
            throw UserError.Usage($"{option} must be {range}; got {v.ToString(CultureInfo.InvariantCulture)}.");
    }

    private static void AtLeastOne(int? value, string option)
    {
        if (value is < 1)
            throw UserError.Usage($"{option} must be at least 1; got {value}.");
    }

    private static void Advance(Spectre.Console.ProgressTask? task, double value, double total, string description)
    {
        if (task is null)
            return;
        task.IsIndeterminate = false;
        task.MaxValue = Math.Max(1, total);
        task.Value = value;
        task.Description = Spectre.Console.Markup.Escape(description);
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
