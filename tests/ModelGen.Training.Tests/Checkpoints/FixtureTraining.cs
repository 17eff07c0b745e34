using System.Text.Json;
using ModelGen.Training.Distillation;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>
/// A fresh composition and trainer of a distillation fixture that runs its recorded steps one at a time, beginning
/// epochs where the sidecar does and on the recorded batches, with the cached teacher features.
/// </summary>
internal sealed class FixtureTraining : IDisposable
{
    private readonly DistillFixture _fixture;
    private readonly ScalarType _dtype;
    private readonly JsonElement[] _steps;

    private FixtureTraining(DistillFixture fixture, ScalarType dtype)
    {
        _fixture = fixture;
        _dtype = dtype;
        _steps = fixture.Sidecar.Steps.ToArray();
        Setup = DistillationSetup.Build(fixture, dtype);
        Trainer = Setup.CreateTrainer(fixture.Sidecar);
    }

    public DistillationSetup Setup { get; }

    public DistillationTrainer Trainer { get; }

    public int RecordedSteps => _steps.Length;

    public static FixtureTraining Start(DistillFixture fixture, ScalarType dtype) => new(fixture, dtype);

    /// <summary>Runs recorded step <paramref name="index"/>, which must be the trainer's next iteration.</summary>
    public TrainingStep Step(int index)
    {
        Assert.Equal(index, Trainer.Iteration);
        var step = _steps[index];
        var epoch = step.GetProperty("epoch").GetInt32();
        if (epoch != Trainer.Epoch)
            Trainer.BeginEpoch();
        Assert.Equal(epoch, Trainer.Epoch);
        // The fixtures' sampler is sequential: the position in the epoch is the batch.
        var batch = step.GetProperty("batch_index").GetInt32();
        Assert.Equal(batch, Trainer.BatchInEpoch);
        using var scope = NewDisposeScope();
        var images = _fixture.Read("inputs")[batch].to(_dtype);
        var cached = _fixture.Read("teacher_feat")[batch].to(_dtype);
        return Trainer.Step(images, cached);
    }

    /// <summary>Runs the recorded steps from <paramref name="first"/> up to (without) <paramref name="end"/>.</summary>
    public IReadOnlyList<TrainingStep> Steps(int first, int end) => Enumerable.Range(first, end - first).Select(Step).ToList();

    public void Dispose()
    {
        Trainer.Optimizer.Dispose();
        Setup.Dispose();
    }
}
