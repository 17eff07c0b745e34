using ModelGen.Training.Checkpoints;
using ModelGen.Training.Sessions;
using ModelGen.Training.Tests.Checkpoints;

namespace ModelGen.Training.Tests.Sessions;

/// <summary>
/// The epoch loop over a folder of five images in batches of two (three iterations an epoch, the last of one image),
/// three epochs: the cache spares the teacher after the first epoch, and stopped runs (at a maximum, or cancelled) resume
/// into the uninterrupted run's losses bit for bit.
/// </summary>
public sealed class DistillationSessionTests : IDisposable
{
    private const int Iterations = 9;

    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void The_teacher_runs_once_an_image_and_from_the_second_epoch_on_the_cache_serves_it()
    {
        var result = Run("straight", new DistillationSessionOptions(_folder.File("straight"), CheckpointInterval: 4));

        Assert.Equal(Iterations, result.Iteration);
        Assert.False(result.Cancelled);
        Assert.Equal(5, result.TeacherImages);
        Assert.Equal([2, 2, 1], result.Steps.Where(s => s.Epoch == 0).Select(s => s.TeacherImages));
        Assert.All(result.Steps.Where(s => s.Epoch > 0), s => Assert.Equal(0, s.TeacherImages));
        Assert.Equal(Enumerable.Range(0, Iterations), result.Steps.Select(s => s.Iteration));
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2, 2], result.Steps.Select(s => s.Epoch));
        Assert.Equal(["iter_4.safetensors", "iter_8.safetensors", "iter_9.safetensors"], Directory.GetFiles(_folder.File("straight"), "iter_*").Select(Path.GetFileName).Order());
        Assert.Equal(Path.GetFullPath(result.Checkpoint), CheckpointHook.Latest(_folder.File("straight")));
        Assert.True(File.Exists(result.StudentWeights));
        Assert.Equal(5, Directory.GetFiles(_folder.File("straight-cache")).Length);
        var log = TrainingLog.Read(Path.Combine(_folder.File("straight"), DistillationSessionOptions.LogFile));
        Assert.Equal(result.Steps.Select(s => s.Loss), log.Select(s => s.Loss));
        Assert.True(result.Steps[^1].Loss < result.Steps[0].Loss, $"the loss falls: {result.Steps[0].Loss} then {result.Steps[^1].Loss}");
    }

    [Fact]
    public void Without_a_cache_the_teacher_runs_on_every_batch()
    {
        var output = _folder.File("online");
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        var result = new DistillationSession(composition, data, new DistillationSessionOptions(output, Epochs: 2)).Run();

        Assert.Equal(10, result.TeacherImages);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void A_run_that_stopped_at_a_maximum_resumes_into_the_uninterrupted_losses_bit_for_bit(int stopAfter)
    {
        var straight = Run("straight", new DistillationSessionOptions(_folder.File("straight"), CheckpointInterval: 3));
        var output = _folder.File("stopped");
        var first = Run("stopped", new DistillationSessionOptions(output, MaxIterations: stopAfter, CheckpointInterval: 3));
        Assert.False(first.Cancelled);
        Assert.Equal(stopAfter, first.Iteration);
        Assert.True(File.Exists(first.StudentWeights), "a run that reached its maximum is done: it writes the student");

        var resumed = Run("stopped", new DistillationSessionOptions(output, CheckpointInterval: 3, Resume: true));

        Assert.Equal(Path.Combine(output, $"iter_{stopAfter}.safetensors"), resumed.ResumedFrom);
        Assert.Equal(Enumerable.Range(stopAfter, Iterations - stopAfter), resumed.Steps.Select(s => s.Iteration));
        foreach (var (want, got) in straight.Steps.Skip(stopAfter).Zip(resumed.Steps))
        {
            Bitwise.Equal(want.Loss, got.Loss, $"iteration {got.Iteration} loss");
            Bitwise.Equal(want.LearningRate, got.LearningRate, $"iteration {got.Iteration} lr");
        }
        var log = TrainingLog.Read(Path.Combine(output, DistillationSessionOptions.LogFile));
        Assert.Equal(straight.Steps.Select(s => (s.Iteration, s.Loss)), log.Select(s => (s.Iteration, s.Loss)));
        Assert.Equal(File.ReadAllBytes(straight.StudentWeights!), File.ReadAllBytes(resumed.StudentWeights!));
    }

    [Fact]
    public void Cancellation_stops_after_the_current_step_with_a_checkpoint_and_a_resume_continues_there()
    {
        var straight = Run("straight", new DistillationSessionOptions(_folder.File("straight")));
        var output = _folder.File("cancelled");
        using var cancellation = new CancellationTokenSource();

        var first = Run("cancelled", new DistillationSessionOptions(output), cancellation.Token, step =>
        {
            if (step.Iteration == 3)
                cancellation.Cancel();
        });

        Assert.True(first.Cancelled);
        Assert.Equal(4, first.Iteration);
        Assert.Equal(Path.Combine(output, "iter_4.safetensors"), first.Checkpoint);
        Assert.Equal(Path.GetFullPath(first.Checkpoint), CheckpointHook.Latest(output));
        var resumed = Run("cancelled", new DistillationSessionOptions(output, Resume: true));
        Assert.Equal(straight.Steps.Skip(4).Select(s => s.Loss), resumed.Steps.Select(s => s.Loss));
    }

    [Fact]
    public void A_resume_with_other_settings_is_refused_naming_them()
    {
        var output = _folder.File("run");
        Run("run", new DistillationSessionOptions(output, MaxIterations: 2));

        var error = Assert.Throws<ResumeMismatchException>(() => Run("run", new DistillationSessionOptions(output, BatchSize: 3, Seed: 4, Resume: true)));

        Assert.Contains("batch size 2 in the run, 3 now", error.Message);
        Assert.Contains("seed 0 in the run, 4 now", error.Message);
        Assert.DoesNotContain("epochs", error.Message);
    }

    [Fact]
    public void A_resume_without_a_checkpoint_says_so()
    {
        var output = _folder.File("empty");
        var error = Assert.Throws<FileNotFoundException>(() => Run("empty", new DistillationSessionOptions(output, Resume: true)));
        Assert.Contains("holds no checkpoint to resume from", error.Message);
    }

    [Theory]
    [InlineData(0, null, "the epochs must be at least 1; got 0")]
    [InlineData(null, 0, "the batch size must be at least 1; got 0")]
    public void Invalid_options_are_refused_before_anything_runs(int? epochs, int? batchSize, string message)
    {
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        var error = Assert.Throws<ArgumentException>(() => new DistillationSession(composition, data, new DistillationSessionOptions(_folder.File("x"), epochs, batchSize)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Images_prepared_for_another_input_are_refused()
    {
        var data = SessionSetup.Images(_folder.File("images"));
        var other = new Training.Data.ImageDataset(data.Folder, data.Input with { Height = 32, Width = 32 });
        using var composition = SessionSetup.Composition();
        var error = Assert.Throws<ArgumentException>(() => new DistillationSession(composition, other, new DistillationSessionOptions(_folder.File("x"))));
        Assert.Contains("but TinyRwkvSamDistillation takes", error.Message);
    }

    /// <summary>Trains a fresh composition on the images, with the cache <c>&lt;name&gt;-cache</c>.</summary>
    [Fact]
    public void Grad_checkpointing_checkpoints_the_student_and_trains_it_the_same()
    {
        var plain = Run("plain", new DistillationSessionOptions(_folder.File("plain"), MaxIterations: 3, DType: TorchSharp.torch.ScalarType.Float64));
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        var options = new DistillationSessionOptions(_folder.File("checkpointed"), MaxIterations: 3, DType: TorchSharp.torch.ScalarType.Float64, GradCheckpointing: true);

        var checkpointed = new DistillationSession(composition, data, options, SessionSetup.Cache(composition, _folder.File("checkpointed-cache"))).Run();

        Assert.True(composition.Student.GradCheckpointing);
        Assert.False(composition.Teacher!.GradCheckpointing);
        Assert.Equal(plain.Steps.Count, checkpointed.Steps.Count);
        foreach (var (want, got) in plain.Steps.Zip(checkpointed.Steps))
            Assert.Equal(want.Loss, got.Loss, 1e-10 * Math.Abs(want.Loss));
    }

    private DistillationResult Run(string name, DistillationSessionOptions options, CancellationToken cancellationToken = default, Action<DistillationStepRecord>? onStep = null)
    {
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        var session = new DistillationSession(composition, data, options, SessionSetup.Cache(composition, _folder.File(name + "-cache")));
        return session.Run(onStep is null ? null : new SynchronousProgress<DistillationStepRecord>(onStep), cancellationToken);
    }

    public void Dispose() => _folder.Dispose();
}
