using ModelGen.Training.Schedules;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Schedules;

/// <summary>The chainable schedulers alone, against their closed forms.</summary>
public sealed class LrSchedulerTests
{
    [Fact]
    public void Linear_warmup_follows_its_closed_form_and_then_holds()
    {
        var group = new FakeParamGroup(0.5);
        const int end = 11;
        var warmup = new LinearLr([group], startFactor: 0.1, end: end, endFactor: 0.9);
        for (var k = 0; k < end + 5; k++)
        {
            var progress = Math.Min(k, end - 1) / (double)(end - 1);
            Assert.Equal(0.5 * (0.1 + 0.8 * progress), group.LearningRate, 1e-15);
            warmup.Step();
        }
    }

    [Fact]
    public void Cosine_follows_the_periodic_closed_form_past_its_trough()
    {
        // Running past T_max exercises mmengine's special step right after the trough, where the chainable
        // ratio's denominator 1 + cos(pi) vanishes; the closed form is SGDR without restarts.
        const double baseLr = 0.2, etaMin = 0.01;
        const int tMax = 4;
        var group = new FakeParamGroup(baseLr);
        var cosine = CosineAnnealingLr.WithEtaMin([group], etaMin, end: 3 * tMax, tMax: tMax);
        for (var k = 0; k < 3 * tMax; k++)
        {
            Assert.Equal(etaMin + (baseLr - etaMin) * (1 + Math.Cos(Math.PI * k / tMax)) / 2, group.LearningRate, 1e-15);
            cosine.Step();
        }
    }

    [Fact]
    public void Cosine_raises_a_rate_below_its_minimum()
    {
        var group = new FakeParamGroup(1.0);
        var cosine = CosineAnnealingLr.WithEtaMinRatio([group], etaMinRatio: 0.01, end: 100);
        group.LearningRate = 0.001;
        cosine.Step();
        Assert.True(group.LearningRate > 0.001);
        Assert.True(group.LearningRate < 0.01);
    }

    [Fact]
    public void A_scheduler_acts_only_from_begin_to_end()
    {
        var group = new FakeParamGroup(1.0);
        var warmup = new LinearLr([group], startFactor: 0.5, end: 4, begin: 2);
        Assert.Equal(1.0, group.LearningRate);
        warmup.Step();
        Assert.Equal(1.0, group.LearningRate);
        warmup.Step();
        Assert.Equal(0.5, group.LearningRate);
        Assert.Equal(0, warmup.LastStep);
        warmup.Step();
        Assert.Equal(1.0, group.LearningRate, 1e-15);
        warmup.Step();
        Assert.Equal(1.0, group.LearningRate, 1e-15);
        Assert.Equal(1, warmup.LastStep);
        Assert.Equal(4, warmup.GlobalStep);
    }

    [Fact]
    public void Epoch_based_cosine_is_converted_to_iterations()
    {
        var cosine = CosineAnnealingLr.FromEpochs([new FakeParamGroup(1.0)], etaMinRatio: 0.01, endEpoch: 24, epochLength: 3, beginEpoch: 2);
        Assert.Equal((6, 72, 66), (cosine.Begin, cosine.End, cosine.TMax));
        var withTMax = CosineAnnealingLr.FromEpochs([new FakeParamGroup(1.0)], etaMinRatio: 0.01, endEpoch: 24, epochLength: 3, tMaxEpochs: 12);
        Assert.Equal(36, withTMax.TMax);
    }

    [Fact]
    public void Auto_scaling_scales_every_rate_of_the_schedule_linearly()
    {
        var full = new FakeParamGroup(1e-4);
        var scaled = new FakeParamGroup(new AutoScaleLr(16).Scale(1e-4, worldSize: 1, batchSizePerDevice: 2));
        var fullSchedule = LrSchedule.LinearWarmupCosine([full], 0.001, 500, 24, 3, 0.01);
        var scaledSchedule = LrSchedule.LinearWarmupCosine([scaled], 0.001, 500, 24, 3, 0.01);
        for (var k = 0; k < 72; k++)
        {
            Assert.Equal(full.LearningRate * 0.125, scaled.LearningRate, 1e-20);
            fullSchedule.Step();
            scaledSchedule.Step();
        }
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        var groups = new[] { new FakeParamGroup(1.0) };
        Assert.Throws<ArgumentException>(() => new LinearLr(groups, 0.1, end: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLr(groups, 1.5, end: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoScaleLr(0));
        Assert.Throws<ArgumentException>(() => new LrSchedule());
    }
}
