using ModelGen.Training.Schedules;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Checkpoints;

/// <summary>The schedule's part of a checkpoint: a restored schedule continues with the same rates; one of other schedulers is refused whole.</summary>
public sealed class ScheduleStateTests
{
    [Fact]
    public void A_restored_schedule_continues_with_the_same_rates()
    {
        var straightGroup = new FakeParamGroup(0.1);
        var straight = LrSchedule.LinearWarmupCosine([straightGroup], startFactor: 0.001, warmupIterations: 5, maxEpochs: 4, epochLength: 3, etaMinRatio: 0.01);
        var expected = Enumerable.Range(0, 10).Select(_ => Step(straight, straightGroup)).ToArray();

        var firstGroup = new FakeParamGroup(0.1);
        var first = LrSchedule.LinearWarmupCosine([firstGroup], 0.001, 5, 4, 3, 0.01);
        for (var i = 0; i < 4; i++)
            Step(first, firstGroup);
        var resumedGroup = new FakeParamGroup(0.1);
        var resumed = LrSchedule.LinearWarmupCosine([resumedGroup], 0.001, 5, 4, 3, 0.01);
        resumedGroup.LearningRate = firstGroup.LearningRate;
        resumed.SetState(first.GetState());

        Assert.Equal(4, resumed.Iteration);
        Assert.Equal(expected[4..], Enumerable.Range(0, 6).Select(_ => Step(resumed, resumedGroup)));
    }

    [Fact]
    public void States_of_other_schedulers_are_refused_and_nothing_changes()
    {
        var group = new FakeParamGroup(0.1);
        var schedule = LrSchedule.LinearWarmupCosine([group], 0.001, 5, 4, 3, 0.01);
        var before = schedule.GetState();
        var swapped = before.Reverse().Select(s => s with { GlobalStep = 7, LastStep = 7 }).ToArray();

        var error = Assert.Throws<ArgumentException>(() => schedule.SetState(swapped));
        Assert.Contains("The state is of a CosineAnnealingLr, not a LinearLr.", error.Message);
        Assert.Throws<ArgumentException>(() => schedule.SetState(before.Take(1).ToArray()));
        Assert.Equal(0, schedule.Iteration);
    }

    private static double Step(LrSchedule schedule, FakeParamGroup group)
    {
        var rate = group.LearningRate;
        schedule.Step();
        return rate;
    }
}
