using ModelGen.Training.Checkpoints;
using ModelGen.Training.Distillation;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>
/// A run checkpointed after three of the six recorded steps and resumed into a freshly built composition continues
/// exactly as the run that never stopped: the same losses, rates and gradient norms, weights and AdamW state, bit for bit.
/// </summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class ResumeTests
{
    private const int StopAfter = 3;

    public static TheoryData<string, ScalarType> CasesAndDtypes => Distillation.TrajectoryTests.CasesAndDtypes;

    [Theory]
    [MemberData(nameof(CasesAndDtypes))]
    public void A_resumed_run_reproduces_the_uninterrupted_one_bit_for_bit(string caseName, ScalarType dtype)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");

        using var straight = FixtureTraining.Start(fixture, dtype);
        var expected = straight.Steps(0, straight.RecordedSteps);

        using (var first = FixtureTraining.Start(fixture, dtype))
        {
            first.Steps(0, StopAfter);
            TrainingCheckpoint.Save(path, first.Trainer);
        }
        using var resumed = FixtureTraining.Start(fixture, dtype);
        TrainingCheckpoint.Load(path, resumed.Trainer);
        Assert.Equal(StopAfter, resumed.Trainer.Iteration);
        var actual = resumed.Steps(StopAfter, resumed.RecordedSteps);

        foreach (var (want, got) in expected.Skip(StopAfter).Zip(actual))
        {
            Assert.Equal(want.Iteration, got.Iteration);
            Bitwise.Equal(want.LearningRate, got.LearningRate, $"step {got.Iteration} lr");
            Bitwise.Equal(want.Loss, got.Loss, $"step {got.Iteration} loss");
            Bitwise.Equal(want.GradNorm!.Value, got.GradNorm!.Value, $"step {got.Iteration} grad norm");
        }
        AssertSameState(straight.Trainer, resumed.Trainer);
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void The_student_weights_load_into_a_fresh_backbone_and_neck(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        using var trained = FixtureTraining.Start(fixture, ScalarType.Float32);
        trained.Steps(0, StopAfter);
        TrainingCheckpoint.Save(path, trained.Trainer);

        using var fresh = DistillationSetup.Build(fixture, ScalarType.Float32);
        var trainedNeck = trained.Setup.Model.StudentNeck.state_dict();
        var freshNeck = fresh.Model.StudentNeck.state_dict();
        using (NewDisposeScope())
            Assert.Contains(trainedNeck, p => p.Value.ne(freshNeck[p.Key]).any().item<bool>());

        var backboneReport = fresh.Model.Student.LoadWeights(path, prefix: TrainingCheckpoint.StudentPrefix);
        var neckReport = fresh.Model.StudentNeck.LoadWeights(path, prefix: TrainingCheckpoint.StudentNeckPrefix);

        Assert.Null(backboneReport.AliasScheme);
        Assert.Equal(fresh.Model.Student.Module.state_dict().Count, backboneReport.Loaded.Count);
        Assert.Equal(freshNeck.Count, neckReport.Loaded.Count);
        foreach (var (key, tensor) in trained.Setup.Model.Student.Module.state_dict())
            Bitwise.Equal(tensor, fresh.Model.Student.Module.state_dict()[key], $"backbone_student.{key}");
        foreach (var (key, tensor) in trainedNeck)
            Bitwise.Equal(tensor, freshNeck[key], $"neck_student.{key}");
    }

    [Fact]
    public void Resuming_restores_the_random_generator_and_the_zeroed_gradients()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var folder = new TemporaryFolder();
        var path = folder.File("checkpoint.safetensors");
        using var first = FixtureTraining.Start(fixture, ScalarType.Float32);
        first.Steps(0, 1);
        manual_seed(1234);
        TrainingCheckpoint.Save(path, first.Trainer);
        using var expected = rand(16, dtype: ScalarType.Float64);

        using var resumed = FixtureTraining.Start(fixture, ScalarType.Float32);
        manual_seed(99);
        foreach (var group in resumed.Trainer.Optimizer.TrainableGroups)
            Assert.Null(group.Parameter.grad);
        TrainingCheckpoint.Load(path, resumed.Trainer);
        using var actual = rand(16, dtype: ScalarType.Float64);

        Bitwise.Equal(expected, actual, "rand(16) after the checkpoint");
        foreach (var group in resumed.Trainer.Optimizer.TrainableGroups)
        {
            using var gradient = group.Parameter.grad;
            Assert.NotNull(gradient);
            Assert.Equal(0, gradient.count_nonzero().item<long>());
        }
    }

    /// <summary>Every tensor of both compositions, every trainable parameter's AdamW state and rate, and the schedule.</summary>
    private static void AssertSameState(DistillationTrainer expected, DistillationTrainer actual)
    {
        Assert.Equal(expected.Iteration, actual.Iteration);
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.BatchInEpoch, actual.BatchInEpoch);
        var actualState = actual.Model.state_dict();
        foreach (var (key, tensor) in expected.Model.state_dict())
            Bitwise.Equal(tensor, actualState[key], key);
        for (var i = 0; i < expected.Optimizer.TrainableGroups.Count; i++)
        {
            var name = expected.Optimizer.TrainableGroups[i].Name;
            Assert.Equal(name, actual.Optimizer.TrainableGroups[i].Name);
            var (want, got) = (expected.Optimizer.GetState(name), actual.Optimizer.GetState(name));
            Assert.Equal(want.Step, got.Step);
            Bitwise.Equal(want.ExpAvg, got.ExpAvg, $"exp_avg.{name}");
            Bitwise.Equal(want.ExpAvgSq, got.ExpAvgSq, $"exp_avg_sq.{name}");
            Bitwise.Equal(expected.Optimizer.LearningRates[i].LearningRate, actual.Optimizer.LearningRates[i].LearningRate, $"lr of {name}");
        }
        foreach (var (want, got) in expected.Schedule.GetState().Zip(actual.Schedule.GetState()))
        {
            Assert.Equal((want.Scheduler, want.GlobalStep, want.LastStep), (got.Scheduler, got.GlobalStep, got.LastStep));
            Assert.Equal(want.BaseValues, got.BaseValues);
        }
    }
}
