using System.Globalization;

namespace ModelGen.Models.Pretrained;

/// <summary>
/// How images must be prepared for a set of pretrained weights: the input pixels, scaled so that a
/// full-intensity value is <see cref="InputScale"/> (255 for 0–255 pixels, 1 for 0–1), in
/// <see cref="ChannelOrder"/>, are normalised per channel as <c>(x - Mean[c]) / Std[c]</c>.
/// </summary>
/// <param name="Mean">Per-channel mean, in the units of <paramref name="InputScale"/>.</param>
/// <param name="Std">Per-channel standard deviation, in the units of <paramref name="InputScale"/>; positive.</param>
/// <param name="InputScale">The value of a full-intensity pixel before normalisation: 255 or 1.</param>
/// <param name="ChannelOrder">"RGB" or "BGR".</param>
public sealed record Preprocessing(IReadOnlyList<double> Mean, IReadOnlyList<double> Std, double InputScale, string ChannelOrder = "RGB")
{
    public IReadOnlyList<double> Mean { get; } = ThreeChannels(Mean, nameof(Mean), mustBePositive: false);

    public IReadOnlyList<double> Std { get; } = ThreeChannels(Std, nameof(Std), mustBePositive: true);

    public double InputScale { get; } = double.IsFinite(InputScale) && InputScale > 0
        ? InputScale
        : throw new ArgumentOutOfRangeException(nameof(InputScale), InputScale, "The input scale must be a positive number, e.g. 255 or 1.");

    public string ChannelOrder { get; } = ChannelOrder is "RGB" or "BGR"
        ? ChannelOrder
        : throw new ArgumentException($"Channel order '{ChannelOrder}' is neither RGB nor BGR.", nameof(ChannelOrder));

    public bool Equals(Preprocessing? other) =>
        other is not null
        && Mean.SequenceEqual(other.Mean)
        && Std.SequenceEqual(other.Std)
        && InputScale.Equals(other.InputScale)
        && ChannelOrder == other.ChannelOrder;

    public override int GetHashCode() =>
        HashCode.Combine(Mean[0], Mean[1], Mean[2], Std[0], Std[1], Std[2], InputScale, ChannelOrder);

    public override string ToString() =>
        $"{ChannelOrder} in 0–{InputScale.ToString(CultureInfo.InvariantCulture)}, mean [{Join(Mean)}], std [{Join(Std)}]";

    private static string Join(IEnumerable<double> values) =>
        string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    // A copy, so that the caller's array can change without changing this record.
    private static IReadOnlyList<double> ThreeChannels(IReadOnlyList<double> values, string name, bool mustBePositive)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count != 3 || values.Any(v => !double.IsFinite(v) || (mustBePositive && v <= 0)))
            throw new ArgumentException(
                $"Give three finite{(mustBePositive ? ", positive" : "")} values, one a channel; got [{Join(values)}].", name);
        return values.ToArray().AsReadOnly();
    }
}
