using static TorchSharp.torch.optim;

namespace ModelGen.Training.Tests.Testing;

/// <summary>A parameter group without parameters, for driving schedulers alone.</summary>
internal sealed class FakeParamGroup(double learningRate) : ILearningRateController
{
    public double LearningRate { get; set; } = learningRate;

    public double InitialLearningRate { get; set; } = learningRate;
}
