using System.Collections.Concurrent;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Runtime;

public sealed class LibTorchTeamTests
{
    [Fact]
    public void On_linux_loops_run_on_the_openmp_team_libtorch_loaded()
    {
        using var loaded = zeros(1);

        Assert.Equal(OperatingSystem.IsLinux(), LibTorchTeam.UsesOpenMp);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(1000, 2)]
    [InlineData(37, 8)]
    public void Every_index_runs_once(int count, int threads)
    {
        using var loaded = zeros(1);
        var runs = new int[count];

        LibTorchTeam.For(count, threads, () => 0, (index, _) => Interlocked.Increment(ref runs[index]), _ => { });

        Assert.All(runs, run => Assert.Equal(1, run));
    }

    [Fact]
    public void A_count_of_zero_calls_nothing()
    {
        var called = false;

        LibTorchTeam.For(0, 2, () => called = true, (_, _) => called = true, _ => called = true);

        Assert.False(called);
    }

    [Fact]
    public void Each_thread_has_its_own_local_and_releases_it_once()
    {
        using var loaded = zeros(1);
        var owners = new ConcurrentDictionary<object, int>();
        var released = new ConcurrentBag<object>();
        var initialized = 0;

        LibTorchTeam.For(200, 2,
            () =>
            {
                Interlocked.Increment(ref initialized);
                return new object();
            },
            (_, local) =>
            {
                var owner = owners.GetOrAdd(local, Environment.CurrentManagedThreadId);
                Assert.Equal(owner, Environment.CurrentManagedThreadId);
            },
            released.Add);

        Assert.InRange(initialized, 1, 2);
        Assert.Equal(initialized, released.Count);
        Assert.Equal(initialized, released.Distinct().Count());
    }

    [Fact]
    public void One_thread_is_the_calling_thread()
    {
        using var loaded = zeros(1);
        var caller = Environment.CurrentManagedThreadId;
        var threads = new ConcurrentBag<int>();

        LibTorchTeam.For(10, 1, () => 0, (_, _) => threads.Add(Environment.CurrentManagedThreadId), _ => { });

        Assert.Equal(10, threads.Count);
        Assert.All(threads, thread => Assert.Equal(caller, thread));
    }

    [Fact]
    public void The_first_exception_is_rethrown_after_every_local_is_released()
    {
        using var loaded = zeros(1);
        var initialized = 0;
        var released = 0;

        var error = Assert.Throws<InvalidOperationException>(() => LibTorchTeam.For(100, 2,
            () => Interlocked.Increment(ref initialized),
            (index, _) =>
            {
                if (index == 3)
                    throw new InvalidOperationException("index 3");
            },
            _ => Interlocked.Increment(ref released)));

        Assert.Equal("index 3", error.Message);
        Assert.Equal(initialized, released);
    }

    [Fact]
    public void A_loop_inside_a_loop_completes()
    {
        using var loaded = zeros(1);
        var runs = new int[4 * 5];

        LibTorchTeam.For(4, 2, () => 0,
            (outer, _) => LibTorchTeam.For(5, 2, () => 0,
                (inner, _) => Interlocked.Increment(ref runs[outer * 5 + inner]), _ => { }),
            _ => { });

        Assert.All(runs, run => Assert.Equal(1, run));
    }
}
