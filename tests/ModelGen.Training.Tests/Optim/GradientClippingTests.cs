using ModelGen.Training.Optim;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Optim;

public sealed class GradientClippingTests
{
    [Fact]
    public void Gradients_are_scaled_to_the_maximum_norm_when_the_total_exceeds_it()
    {
        using var scope = NewDisposeScope();
        var (a, b, frozen) = Parameters([3.0, 4.0], [12.0]);
        var total = GradientClipping.ClipGradNorm([a, b, frozen], maxNorm: 6.5);

        Assert.Equal(13.0, total!.Value, 1e-12);
        var coefficient = 6.5 / (13.0 + 1e-6);
        Assert.Equal([3 * coefficient, 4 * coefficient], a.grad!.data<double>().ToArray());
        Assert.Equal([12 * coefficient], b.grad!.data<double>().ToArray());
    }

    [Fact]
    public void Gradients_below_the_maximum_norm_are_unchanged()
    {
        using var scope = NewDisposeScope();
        var (a, b, frozen) = Parameters([3.0, 4.0], [12.0]);
        Assert.Equal(13.0, GradientClipping.ClipGradNorm([a, b, frozen], maxNorm: 20)!.Value, 1e-12);
        Assert.Equal([3.0, 4.0], a.grad!.data<double>().ToArray());
        Assert.Equal([12.0], b.grad!.data<double>().ToArray());
    }

    [Fact]
    public void Without_gradients_nothing_is_clipped()
    {
        using var scope = NewDisposeScope();
        var parameter = new Parameter(ones(2, dtype: ScalarType.Float64));
        Assert.Null(GradientClipping.ClipGradNorm([parameter], maxNorm: 1));
    }

    /// <summary>Two trainable parameters whose gradients are the given values, and a frozen one.</summary>
    private static (Parameter A, Parameter B, Parameter Frozen) Parameters(double[] gradA, double[] gradB)
    {
        var a = new Parameter(zeros(gradA.Length, dtype: ScalarType.Float64));
        var b = new Parameter(zeros(gradB.Length, dtype: ScalarType.Float64));
        var frozen = new Parameter(ones(1, dtype: ScalarType.Float64), requires_grad: false);
        var loss = (a * tensor(gradA)).sum() + (b * tensor(gradB)).sum() + (frozen * 100).sum();
        loss.backward();
        return (a, b, frozen);
    }
}
