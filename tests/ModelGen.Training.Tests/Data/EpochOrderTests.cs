using ModelGen.Training.Data;

namespace ModelGen.Training.Tests.Data;

public sealed class EpochOrderTests
{
    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(10, 0, 0)]
    [InlineData(10, 0, 1)]
    [InlineData(1000, 42, 7)]
    public void An_order_is_a_permutation_and_the_same_for_the_same_seed_and_epoch(int count, int seed, int epoch)
    {
        var order = EpochOrder.Of(count, seed, epoch);
        Assert.Equal(Enumerable.Range(0, count), order.Order());
        Assert.Equal(order, EpochOrder.Of(count, seed, epoch));
    }

    [Fact]
    public void Epochs_and_seeds_shuffle_differently_and_without_shuffling_the_order_is_the_files()
    {
        var orders = new[] { EpochOrder.Of(20, 0, 0), EpochOrder.Of(20, 0, 1), EpochOrder.Of(20, 5, 0) };
        Assert.Equal(3, orders.Select(o => string.Join(",", o)).Distinct().Count());
        Assert.NotEqual(Enumerable.Range(0, 20), orders[0]);
        Assert.Equal(Enumerable.Range(0, 20), EpochOrder.Of(20, 0, 0, shuffle: false));
    }
}
