using ModelGen.Training.Optim;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Optim;

public sealed class AdamWOptimizerTests
{
    private static readonly AdamWOptions Options = new(LearningRate: 0.1, WeightDecay: 0.3, Beta1: 0.8, Beta2: 0.9, Eps: 1e-3);

    [Fact]
    public void Updates_follow_torchs_adamw_and_frozen_parameters_never_move()
    {
        using var scope = NewDisposeScope();
        double[] initial = [0.5, -1.5];
        double[][] gradients = [[0.2, -0.7], [1.1, 0.3], [-0.4, 0.05]];
        var trainable = new Parameter(tensor(initial));
        var frozen = new Parameter(tensor(new[] { 2.0 }), requires_grad: false);
        using var optimizer = new AdamWOptimizer([new ParameterGroup("w", trainable, 0.3), new ParameterGroup("f", frozen, 0.3)], Options);
        Assert.Single(optimizer.TrainableGroups);
        Assert.Equal(2, optimizer.Groups.Count);

        var lrs = new[] { 0.1, 0.05, 0.2 };
        double[] p = [.. initial], m = new double[2], v = new double[2];
        for (var t = 1; t <= gradients.Length; t++)
        {
            optimizer.LearningRates[0].LearningRate = lrs[t - 1];
            Backward(trainable, gradients[t - 1], frozen);
            optimizer.Step();
            optimizer.ZeroGrad();
            for (var i = 0; i < 2; i++)
            {
                var (lr, g) = (lrs[t - 1], gradients[t - 1][i]);
                p[i] *= 1 - lr * 0.3;
                m[i] = 0.8 * m[i] + (1 - 0.8) * g;
                v[i] = 0.9 * v[i] + (1 - 0.9) * g * g;
                p[i] -= lr / (1 - Math.Pow(0.8, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.9, t)) + 1e-3);
            }
            AssertClose(p, trainable);
        }
        var state = optimizer.GetState("w");
        Assert.Equal(3, state.Step);
        AssertClose(m, state.ExpAvg);
        AssertClose(v, state.ExpAvgSq);
        Assert.Equal(2.0, frozen.item<double>());
        Assert.Throws<KeyNotFoundException>(() => optimizer.GetState("f"));
        Assert.Throws<KeyNotFoundException>(() => optimizer.GetState("x"));
    }

    [Fact]
    public void A_restored_state_continues_the_run_exactly()
    {
        using var scope = NewDisposeScope();
        double[][] gradients = [[0.2, -0.7], [1.1, 0.3], [-0.4, 0.05], [0.6, 0.6]];
        var straight = new Parameter(tensor(new[] { 0.5, -1.5 }));
        using var straightOptimizer = new AdamWOptimizer([new ParameterGroup("w", straight, 0.3)], Options);
        foreach (var g in gradients)
        {
            Backward(straight, g);
            straightOptimizer.Step();
            straightOptimizer.ZeroGrad();
        }

        var first = new Parameter(tensor(new[] { 0.5, -1.5 }));
        using var firstOptimizer = new AdamWOptimizer([new ParameterGroup("w", first, 0.3)], Options);
        foreach (var g in gradients[..2])
        {
            Backward(first, g);
            firstOptimizer.Step();
            firstOptimizer.ZeroGrad();
        }
        var resumed = new Parameter(first.detach().clone());
        using var resumedOptimizer = new AdamWOptimizer([new ParameterGroup("w", resumed, 0.3)], Options);
        var saved = firstOptimizer.GetState("w");
        resumedOptimizer.SetState("w", saved.Step, saved.ExpAvg, saved.ExpAvgSq);
        foreach (var g in gradients[2..])
        {
            Backward(resumed, g);
            resumedOptimizer.Step();
            resumedOptimizer.ZeroGrad();
        }

        Assert.Equal(straight.data<double>().ToArray(), resumed.data<double>().ToArray());
        Assert.Equal(4, resumedOptimizer.GetState("w").Step);
    }

    private static void Backward(Parameter parameter, double[] gradient, Parameter? frozen = null)
    {
        using var scope = NewDisposeScope();
        var loss = (parameter * tensor(gradient)).sum();
        if (frozen is not null)
            loss = loss + frozen.sum();
        loss.backward();
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var values = actual.data<double>().ToArray();
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], values[i], 1e-15);
    }
}
