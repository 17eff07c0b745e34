namespace ModelGen.Training.Data;

/// <summary>
/// The order a dataset is read in each epoch, as mmengine's <c>DefaultSampler(shuffle=True)</c> makes it: a permutation
/// drawn from a generator seeded with <c>seed + epoch</c>, so it depends on nothing but the two and a resumed run
/// reads the same order. (Not torch's <c>randperm</c>: the permutation is .NET's seeded <see cref="Random"/>, stable
/// across .NET versions, with a Fisher–Yates shuffle.)
/// </summary>
public static class EpochOrder
{
    public static int[] Of(int count, int seed, int epoch, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = Enumerable.Range(0, count).ToArray();
        if (!shuffle)
            return order;
        var random = new Random(unchecked(seed + epoch));
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
