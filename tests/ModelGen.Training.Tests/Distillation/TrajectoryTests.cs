using System.Text.Json;
using ModelGen.Training.Tests.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Distillation;

/// <summary>
/// The six recorded optimizer steps of each distillation fixture, run through <see cref="Training.Distillation.DistillationTrainer"/>
/// with the cached teacher features (upstream trains with use_cache): per-step lr, loss and gradient norm, the step-0
/// gradients, then the final weights and AdamW moments, each within the fixture's per-tensor tolerance; frozen state unchanged.
/// </summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class TrajectoryTests(ITestOutputHelper output)
{
    public static TheoryData<string, ScalarType> CasesAndDtypes
    {
        get
        {
            var data = new TheoryData<string, ScalarType>();
            foreach (var name in DistillCases.Names)
                foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
                    data.Add(name, dtype);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CasesAndDtypes))]
    public void Six_steps_reproduce_the_recorded_trajectory(string caseName, ScalarType dtype)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, dtype);
        var trainer = setup.CreateTrainer(fixture.Sidecar);
        using var optimizer = trainer.Optimizer;
        var root = fixture.Sidecar.Root;
        var tolerances = root.GetProperty("tolerances");
        var parameters = root.GetProperty("parameters");
        var batchOrder = root.GetProperty("data").GetProperty("batch_order").EnumerateArray().Select(b => b.GetInt32()).ToArray();
        var report = new ToleranceReport($"{caseName} ({dtype})");
        var fromFixture = setup.ToFixture.ToDictionary(p => p.Value, p => p.Key);
        using var frozenBefore = FrozenState(setup);

        using var inputs = fixture.Read("inputs");
        using var teacherFeatures = fixture.Read("teacher_feat");
        int? epoch = null;
        foreach (var (step, i) in fixture.Sidecar.Steps.Select((s, i) => (s, i)))
        {
            if (step.GetProperty("epoch").GetInt32() != epoch)
            {
                trainer.BeginEpoch();
                epoch = step.GetProperty("epoch").GetInt32();
            }
            using var scope = NewDisposeScope();
            var batch = batchOrder[i];
            Assert.Equal(step.GetProperty("batch_index").GetInt32(), batch);
            var images = inputs[batch].to(dtype);
            var cached = teacherFeatures[batch].to(dtype);
            Training.Distillation.TrainingStep result;
            if (i == 0)
            {
                trainer.ComputeGradients(images, cached);
                foreach (var group in optimizer.TrainableGroups)
                {
                    var name = setup.ToFixture[group.Name];
                    report.Tensor("grad_step0", $"grad_step0.{name}", fixture.Read($"grad_step0.{name}"), group.Parameter.grad!,
                        parameters.GetProperty(name).GetProperty("grad_step0_atol").GetDouble());
                }
                result = trainer.ApplyGradients();
            }
            else
            {
                result = trainer.Step(images, cached);
            }

            Assert.Equal(i, result.Iteration);
            var lr = step.GetProperty("lr").GetDouble();
            Assert.True(Math.Abs(result.LearningRate - lr) <= 1e-15 * lr, $"step {i}: lr {result.LearningRate:R}, expected {lr:R}");
            report.Scalar("loss", $"step {i} loss", step.GetProperty("loss_f64").GetDouble(), result.Loss, tolerances.GetProperty("loss_atol").GetDouble());
            report.Scalar("grad_norm", $"step {i} grad norm", step.GetProperty("grad_norm_f64").GetDouble(), result.GradNorm!.Value,
                tolerances.GetProperty("grad_norm_atol").GetDouble());
        }

        var state = setup.Model.state_dict();
        foreach (var key in root.GetProperty("final_state_keys").EnumerateArray().Select(k => k.GetString()!))
            report.Tensor("final", $"final.{key}", fixture.Read($"final.{key}"), state[fromFixture[key]],
                parameters.GetProperty(key).GetProperty("final_atol").GetDouble());
        var stepCount = (long)root.GetProperty("optimizer_state_after_last_step").GetProperty("step").GetDouble();
        foreach (var group in optimizer.TrainableGroups)
        {
            var name = setup.ToFixture[group.Name];
            var moments = optimizer.GetState(group.Name);
            Assert.Equal(stepCount, moments.Step);
            report.Tensor("exp_avg", $"exp_avg.{name}", fixture.Read($"exp_avg.{name}"), moments.ExpAvg, parameters.GetProperty(name).GetProperty("exp_avg_atol").GetDouble());
            report.Tensor("exp_avg_sq", $"exp_avg_sq.{name}", fixture.Read($"exp_avg_sq.{name}"), moments.ExpAvgSq,
                parameters.GetProperty(name).GetProperty("exp_avg_sq_atol").GetDouble());
        }
        report.AssertAll(output);

        foreach (var (name, before) in frozenBefore)
            Assert.True(before.eq(state[name]).all().item<bool>(), $"{name} of a frozen module changed.");
        if (root.GetProperty("bn_running_mean") is { ValueKind: JsonValueKind.Object } bn)
        {
            var after = bn.GetProperty("after_f64_run").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(after, state[fromFixture[bn.GetProperty("key").GetString()!]].to(ScalarType.Float64).data<double>().ToArray());
        }
    }

    /// <summary>Copies of every parameter and buffer of the frozen modules, by model name.</summary>
    private static StateSnapshot FrozenState(DistillationSetup setup)
    {
        var frozenPrefixes = setup.Model.named_children().Where(c => setup.Frozen.Contains(c.module)).Select(c => c.name + ".").ToArray();
        return new StateSnapshot(setup.Model.state_dict()
            .Where(p => frozenPrefixes.Any(prefix => p.Key.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(p => p.Key, p => p.Value.detach().clone()));
    }

    private sealed class StateSnapshot(Dictionary<string, Tensor> tensors) : IDisposable, IEnumerable<KeyValuePair<string, Tensor>>
    {
        public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => tensors.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public void Dispose()
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
    }
}
