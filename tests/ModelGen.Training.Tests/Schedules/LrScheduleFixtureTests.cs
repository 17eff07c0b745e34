using System.Text.Json;
using ModelGen.Training.Schedules;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Schedules;

/// <summary>The upstream schedule (LinearLR then CosineAnnealingLR, chainable) against the rates mmengine recorded.</summary>
public sealed class LrScheduleFixtureTests
{
    private const double RelativeTolerance = 1e-15;

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Run_iterations_match_lr_at_iteration(string caseName)
    {
        using var sidecar = DistillSidecar.Load(caseName);
        AssertSchedule(sidecar, "lr_at_iteration", sidecar.Schedule.GetProperty("epoch_length").GetInt32());
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Thousand_iteration_epochs_match_lr_at_iteration(string caseName)
    {
        using var sidecar = DistillSidecar.Load(caseName);
        AssertSchedule(sidecar, "lr_at_iteration_if_epoch_length_1000", epochLength: 1000);
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Every_step_uses_the_recorded_lr(string caseName)
    {
        using var sidecar = DistillSidecar.Load(caseName);
        var group = new FakeParamGroup(BaseLr(sidecar));
        var schedule = Build(sidecar, group, sidecar.Schedule.GetProperty("epoch_length").GetInt32());
        foreach (var step in sidecar.Steps)
        {
            Assert.Equal(step.GetProperty("step").GetInt32(), schedule.Iteration);
            AssertRelative(step.GetProperty("lr").GetDouble(), group.LearningRate, $"{caseName} step {schedule.Iteration}");
            schedule.Step();
        }
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Auto_scale_lr_gives_the_recorded_ratio(string caseName)
    {
        using var sidecar = DistillSidecar.Load(caseName);
        var autoScale = sidecar.Optimizer.GetProperty("auto_scale_lr");
        var rule = new AutoScaleLr(autoScale.GetProperty("base_batch_size").GetInt32());
        var batchSize = sidecar.Root.GetProperty("data").GetProperty("batch_size").GetInt32();
        // The README's 8 GPUs x 2 images, which the fixture applies; a single process would scale by 1/8.
        Assert.Equal(autoScale.GetProperty("applied_ratio").GetDouble(), rule.Factor(worldSize: 8, batchSizePerDevice: batchSize));
        Assert.Equal(0.125, rule.Factor(worldSize: 1, batchSizePerDevice: batchSize));
    }

    private static void AssertSchedule(DistillSidecar sidecar, string property, int epochLength)
    {
        var expected = sidecar.LrAtIteration(property).ToDictionary(p => p.Iteration, p => p.Lr);
        var group = new FakeParamGroup(BaseLr(sidecar));
        var schedule = Build(sidecar, group, epochLength);
        for (var iteration = 0; iteration <= expected.Keys.Max(); iteration++)
        {
            if (expected.TryGetValue(iteration, out var lr))
                AssertRelative(lr, group.LearningRate, $"{sidecar.Name} {property}[{iteration}]");
            schedule.Step();
        }
    }

    /// <summary>The configured rate, scaled by the ratio the fixture applied (auto_scale_lr).</summary>
    private static double BaseLr(DistillSidecar sidecar) =>
        sidecar.Optimizer.GetProperty("optimizer").GetProperty("lr").GetDouble()
        * sidecar.Optimizer.GetProperty("auto_scale_lr").GetProperty("applied_ratio").GetDouble();

    private static LrSchedule Build(DistillSidecar sidecar, FakeParamGroup group, int epochLength)
    {
        var schedulers = sidecar.Schedule.GetProperty("param_scheduler").EnumerateArray().ToArray();
        Assert.Equal(["mmengine.optim.LinearLR", "mmengine.optim.CosineAnnealingLR"], schedulers.Select(s => s.GetProperty("type").GetString()));
        var (linear, cosine) = (schedulers[0], schedulers[1]);
        Assert.False(linear.GetProperty("by_epoch").GetBoolean());
        Assert.True(cosine.GetProperty("by_epoch").GetBoolean());
        Assert.Equal(0, linear.GetProperty("begin").GetInt32());
        Assert.Equal(0, cosine.GetProperty("begin").GetInt32());
        return LrSchedule.LinearWarmupCosine(
            [group],
            startFactor: linear.GetProperty("start_factor").GetDouble(),
            warmupIterations: linear.GetProperty("end").GetInt32(),
            maxEpochs: cosine.GetProperty("end").GetInt32(),
            epochLength: epochLength,
            etaMinRatio: cosine.GetProperty("eta_min_ratio").GetDouble());
    }

    private static void AssertRelative(double expected, double actual, string what)
    {
        if (Math.Abs(actual - expected) > RelativeTolerance * Math.Abs(expected))
            Assert.Fail($"{what}: lr {actual:R}, expected {expected:R} (relative error {Math.Abs(actual - expected) / Math.Abs(expected):G3}).");
    }
}
