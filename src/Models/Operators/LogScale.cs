using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>
/// Arithmetic on sums kept as <c>mantissa · exp(exponent)</c>, lane-wise, so that sums of exponentials with
/// arbitrarily large or small exponents neither overflow nor vanish.
/// </summary>
internal static class LogScale
{
    /// <summary>Exponent of a sum that has no terms yet: far below any real exponent, yet finite so that differences stay defined.</summary>
    public const double Empty = -1e30;

    /// <summary>
    /// Prepares <c>sum · exp(-decay) + term · exp(termExponent)</c>: moves <paramref name="exponent"/> to the larger of
    /// <c>exponent - decay</c> and <paramref name="termExponent"/> and returns the factors for the old mantissa and for
    /// the new term. One of them is exactly 1, so a single exp is needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> OldScale, Vector256<double> TermScale) Step(
        ref Vector256<double> exponent, Vector256<double> decay, Vector256<double> termExponent)
    {
        var decayed = exponent - decay;
        var keepsMax = Vector256.GreaterThanOrEqual(decayed, termExponent);
        var smaller = Vector256.Exp(-Vector256.Abs(decayed - termExponent));
        exponent = Vector256.Max(decayed, termExponent);
        return (Vector256.ConditionalSelect(keepsMax, Vector256<double>.One, smaller),
            Vector256.ConditionalSelect(keepsMax, smaller, Vector256<double>.One));
    }

    /// <summary>Factors that bring three exponents to their common maximum, returned as <paramref name="max"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Left, Vector256<double> Right, Vector256<double> Self) Align(
        Vector256<double> left, Vector256<double> right, Vector256<double> self, out Vector256<double> max)
    {
        max = Vector256.Max(Vector256.Max(left, right), self);
        return (Vector256.Exp(left - max), Vector256.Exp(right - max), Vector256.Exp(self - max));
    }
}
