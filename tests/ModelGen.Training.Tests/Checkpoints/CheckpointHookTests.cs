using ModelGen.Training.Checkpoints;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Checkpoints;

[Collection(DefaultDtypeCollection.Name)]
public sealed class CheckpointHookTests
{
    [Fact]
    public void Checkpoints_are_written_every_interval_and_at_the_end()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var hook = new CheckpointHook(folder.Path, interval: 4);
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        Assert.Null(CheckpointHook.Latest(folder.Path));

        var written = new List<string?>();
        for (var i = 0; i < training.RecordedSteps; i++)
        {
            training.Step(i);
            written.Add(hook.AfterIteration(training.Trainer));
        }
        var last = hook.AfterTraining(training.Trainer);

        Assert.Equal([null, null, null, hook.PathOf(4), null, null], written);
        Assert.Equal(hook.PathOf(6), last);
        Assert.Equal(["iter_4.safetensors", "iter_6.safetensors", CheckpointHook.LastCheckpointFile], Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order());
        Assert.Equal(Path.GetFullPath(hook.PathOf(6)), CheckpointHook.Latest(folder.Path));
        using var resumed = FixtureTraining.Start(fixture, ScalarType.Float32);
        TrainingCheckpoint.Load(CheckpointHook.Latest(folder.Path)!, resumed.Trainer);
        Assert.Equal(6, resumed.Trainer.Iteration);
    }

    [Fact]
    public void The_end_is_not_written_again_when_the_last_iteration_was()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var hook = new CheckpointHook(folder.Path, interval: 3);
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        for (var i = 0; i < training.RecordedSteps; i++)
        {
            training.Step(i);
            hook.AfterIteration(training.Trainer);
        }
        var writtenAt = File.GetLastWriteTimeUtc(hook.PathOf(6));

        Assert.Equal(hook.PathOf(6), hook.AfterTraining(training.Trainer));

        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(hook.PathOf(6)));
        Assert.Equal(3, Directory.GetFiles(folder.Path).Length);
    }
}
