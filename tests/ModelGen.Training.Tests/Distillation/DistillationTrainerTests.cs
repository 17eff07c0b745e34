using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Distillation;

/// <summary>The two halves of an iteration must alternate.</summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class DistillationTrainerTests
{
    [Fact]
    public void Gradients_are_applied_once_per_computation()
    {
        using var fixture = DistillFixture.Load("rwkvsam_tiny");
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float32);
        var trainer = setup.CreateTrainer(fixture.Sidecar);
        using var optimizer = trainer.Optimizer;
        using var inputs = fixture.Read("inputs");
        using var cached = fixture.Read("teacher_feat");
        using var scope = NewDisposeScope();

        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        trainer.ComputeGradients(inputs[0], cached[0]);
        Assert.Throws<InvalidOperationException>(() => trainer.ComputeGradients(inputs[0], cached[0]));
        Assert.Equal(0, trainer.ApplyGradients().Iteration);
        Assert.Equal(1, trainer.Iteration);
        Assert.Throws<InvalidOperationException>(() => trainer.ApplyGradients());
        Assert.Equal(1, trainer.Step(inputs[1], cached[1]).Iteration);
    }
}
