using System.Globalization;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The image sizes a backbone's forward takes in full, from its spec: sides of at least
/// <see cref="Minimum"/> pixels that are multiples of <see cref="Multiple"/>, with
/// <see cref="NativeHeight"/>x<see cref="NativeWidth"/> the size its position embeddings and
/// published weights are made for. <see cref="Rounding"/> says what the forward does with other sides
/// of at least the minimum (it floors or pads them rather than failing); <see cref="Accepts"/> is
/// true only for the sizes every pixel of which the forward uses.
/// </summary>
/// <param name="Minimum">The smallest side, in pixels, the forward runs on.</param>
/// <param name="Multiple">Sides that are multiples of this are used whole; 1 when every side is.</param>
/// <param name="NativeHeight">The spec's image height.</param>
/// <param name="NativeWidth">The spec's image width.</param>
/// <param name="Rounding">What the forward does with a side that is not a multiple, e.g. "floored to a multiple of 16 (the patch embedding drops the rest)".</param>
public sealed record InputSizeRule(int Minimum, int Multiple, int NativeHeight, int NativeWidth, string Rounding)
{
    /// <summary>Whether an image of <paramref name="height"/>x<paramref name="width"/> is used whole by the forward.</summary>
    public bool Accepts(int height, int width) => AcceptsSide(height) && AcceptsSide(width);

    /// <summary>Whether a side is at least <see cref="Minimum"/> and a multiple of <see cref="Multiple"/>.</summary>
    public bool AcceptsSide(int side) => side >= Minimum && side % Multiple == 0;

    /// <summary>The accepted sides nearest <paramref name="side"/> (the one below and the one above, or just the smallest), at most <paramref name="maximum"/>.</summary>
    public IReadOnlyList<int> NearestSides(int side, int maximum = int.MaxValue)
    {
        if (AcceptsSide(side) && side <= maximum)
            return [side];
        var smallest = Smallest;
        if (side < smallest)
            return smallest <= maximum ? [smallest] : [];
        var largest = maximum / Multiple * Multiple;
        if (side > maximum)
            return largest >= smallest ? [largest] : [];
        var below = side / Multiple * Multiple;
        var above = below + Multiple;
        return new[] { below, above }.Where(s => s >= smallest && s <= maximum).Distinct().ToArray();
    }

    /// <summary>The smallest accepted side: the first multiple of <see cref="Multiple"/> not below <see cref="Minimum"/>.</summary>
    public int Smallest => (Minimum + Multiple - 1) / Multiple * Multiple;

    /// <summary>One line for people: e.g. "sides of at least 32 px that are multiples of 16 (native 224x224; other sides are floored to a multiple of 16)".</summary>
    public string Describe()
    {
        var sides = Multiple == 1
            ? $"any side of at least {Minimum} px"
            : $"sides of at least {Smallest} px that are multiples of {Multiple}";
        return string.Create(CultureInfo.InvariantCulture, $"{sides} (native {NativeHeight}x{NativeWidth}; {Rounding})");
    }

    public override string ToString() => Describe();
}
