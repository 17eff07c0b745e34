using ModelGen.Models.Weights;
using ModelGen.Training.Checkpoints;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>A checkpoint that does not fit is refused with a message naming what differs, before anything changes; a failed write keeps the previous file.</summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class TrainingCheckpointValidationTests
{
    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void A_checkpoint_of_the_other_composition_is_refused_with_a_clear_message(string caseName)
    {
        var otherName = DistillCases.Names.Cast<object[]>().Select(row => (string)row[0]).Single(n => n != caseName);
        using var folder = new TemporaryFolder();
        var path = folder.File("other.safetensors");
        using var otherFixture = DistillFixture.Load(otherName);
        string otherStudent;
        using (var other = FixtureTraining.Start(otherFixture, ScalarType.Float32))
        {
            other.Steps(0, 1);
            TrainingCheckpoint.Save(path, other.Trainer);
            otherStudent = other.Setup.Model.Student.Module.GetType().Name;
        }
        using var fixture = DistillFixture.Load(caseName);
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        using var neckBefore = Snapshot(training);

        var error = Assert.Throws<TrainingCheckpointException>(() => TrainingCheckpoint.Load(path, training.Trainer));

        var student = training.Setup.Model.Student.Module.GetType().Name;
        Assert.NotEqual(student, otherStudent);
        Assert.StartsWith("the checkpoint is of another composition", error.Problem);
        Assert.Contains($"student {otherStudent} in the checkpoint, {student} here", error.Problem);
        Assert.Equal(path, error.FilePath);
        AssertUnchanged(training, neckBefore);
    }

    [Fact]
    public void Missing_and_misshapen_tensors_are_named_and_nothing_changes()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        string dropped, reshaped;
        using (var first = FixtureTraining.Start(fixture, ScalarType.Float32))
        {
            first.Steps(0, 1);
            TrainingCheckpoint.Save(path, first.Trainer);
            dropped = "optimizer.exp_avg." + first.Trainer.Optimizer.TrainableGroups[0].Name;
            reshaped = "neck_student." + first.Setup.Model.StudentNeck.state_dict().Keys.First();
        }
        Rewrite(path, tensors =>
        {
            tensors.Remove(dropped);
            tensors[reshaped] = tensors[reshaped].flatten()[..1];
        });
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        using var neckBefore = Snapshot(training);

        var error = Assert.Throws<TrainingCheckpointException>(() => TrainingCheckpoint.Load(path, training.Trainer));

        Assert.Contains($"tensor {dropped} is missing", error.Problem);
        Assert.Contains($"tensor {reshaped} is Float32 [1], expected Float32 [", error.Problem);
        AssertUnchanged(training, neckBefore);
    }

    [Fact]
    public void A_weight_file_is_not_a_training_checkpoint()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        var path = Path.Combine(DistillCases.Directory, "rwkvsam_tiny.safetensors");

        var error = Assert.Throws<TrainingCheckpointException>(() => TrainingCheckpoint.Load(path, training.Trainer));

        Assert.StartsWith("not a training checkpoint", error.Problem);
    }

    [Fact]
    public void An_interrupted_write_leaves_the_previous_checkpoint_intact()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        training.Steps(0, 1);
        TrainingCheckpoint.Save(path, training.Trainer);
        var saved = File.ReadAllBytes(path);
        training.Steps(1, 2);

        Assert.Throws<IOException>(() => TrainingCheckpoint.Save(path, training.Trainer, stream => new FailingStream(stream, failAfter: saved.Length / 2)));

        Assert.Equal([path], Directory.GetFiles(folder.Path));
        Assert.Equal(saved, File.ReadAllBytes(path));
        using var resumed = FixtureTraining.Start(fixture, ScalarType.Float32);
        TrainingCheckpoint.Load(path, resumed.Trainer);
        Assert.Equal(1, resumed.Trainer.Iteration);
    }

    [Fact]
    public void Checkpoints_are_written_and_loaded_between_iterations_only()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        using var training = FixtureTraining.Start(fixture, ScalarType.Float32);
        TrainingCheckpoint.Save(path, training.Trainer);
        using var scope = NewDisposeScope();
        training.Trainer.BeginEpoch();
        training.Trainer.ComputeGradients(fixture.Read("inputs")[0], fixture.Read("teacher_feat")[0]);

        Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Save(path, training.Trainer));
        Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Load(path, training.Trainer));
    }

    /// <summary>Rewrites a checkpoint with its metadata and edited tensors.</summary>
    private static void Rewrite(string path, Action<Dictionary<string, Tensor>> edit)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        IReadOnlyDictionary<string, string> metadata;
        using (var file = SafetensorsFile.Open(path))
        {
            tensors = file.Tensors.Keys.ToDictionary(k => k, file.Read);
            metadata = file.Metadata;
        }
        edit(tensors);
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    private static NeckSnapshot Snapshot(FixtureTraining training) =>
        new(training.Setup.Model.StudentNeck.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone()));

    private static void AssertUnchanged(FixtureTraining training, NeckSnapshot before)
    {
        Assert.Equal(0, training.Trainer.Iteration);
        Assert.Equal(-1, training.Trainer.Epoch);
        foreach (var (key, tensor) in training.Setup.Model.StudentNeck.state_dict())
            Bitwise.Equal(before.Tensors[key], tensor, $"neck_student.{key}");
        foreach (var group in training.Trainer.Optimizer.TrainableGroups)
            Assert.Equal(0, training.Trainer.Optimizer.GetState(group.Name).Step);
    }

    private sealed class NeckSnapshot(Dictionary<string, Tensor> tensors) : IDisposable
    {
        public IReadOnlyDictionary<string, Tensor> Tensors => tensors;

        public void Dispose()
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
    }
}
