using ModelGen.Models.Necks;
using ModelGen.Training.Distillation;
using ModelGen.Training.Tests.Compositions;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Distillation;

/// <summary>mmdet's MSELoss reductions: <c>mean</c> and <c>sum</c> of the squared errors, times the loss weight.</summary>
public sealed class LossReductionTests
{
    [Theory]
    [InlineData("mean", 1.0, 13.0 / 4)]
    [InlineData("sum", 1.0, 13.0)]
    [InlineData("sum", 0.5, 6.5)]
    public void The_squared_errors_are_reduced_as_the_spec_says(string reduction, double weight, double expected)
    {
        using var student = new VitaminNanoRwkv();
        using var model = new BackboneDistillation(student, new LastLayerProjNeck(32, 16), lossWeight: weight, reduction: reduction);
        using var teacher = tensor(new double[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);
        using var studentFeatures = tensor(new double[] { 1, 0, 0, 4 }).reshape(1, 1, 2, 2);

        using var loss = model.FeatureLoss(teacher, studentFeatures);

        Assert.Equal(expected, loss.item<double>());
    }

    [Fact]
    public void Another_reduction_is_refused()
    {
        using var student = new VitaminNanoRwkv();
        using var neck = new LastLayerProjNeck(32, 16);
        var error = Assert.Throws<ArgumentException>(() => new BackboneDistillation(student, neck, reduction: "none"));
        Assert.Contains("'none' is neither 'mean' nor 'sum'", error.Message);
    }
}
