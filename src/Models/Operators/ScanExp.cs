using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>
/// exp of float64 lanes for arguments in [-708, 709], within about 2 ulp. Written out so that the JIT inlines it into
/// the Bi-WKV scans: <c>Vector256.Exp</c> is a call per vector into generic CoreLib code
/// that runs unoptimised until tiered compilation reaches it.
/// </summary>
internal static class ScanExp
{
    // Adding 1.5·2^52 rounds to an integer and leaves it in the low mantissa bits.
    private const double RoundingShift = 6755399441055744.0;
    private const double Log2E = 1.4426950408889634;
    // ln 2 split so that n · Ln2High is exact for the n that occur.
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;
    private const ulong ExponentBias = 1023;

    /// <summary>exp(x) lane-wise; <paramref name="x"/> must lie in [-708, 709] (outside, the result is wrong, not infinite or zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        // x = n·ln2 + r with |r| <= ln2/2: exp(x) = 2^n · exp(r), exp(r) by its Taylor series up to r^12/12!
        // (remainder below 2.3e-16 relative).
        var shifted = Vector256.MultiplyAddEstimate(x, Vector256.Create(Log2E), Vector256.Create(RoundingShift));
        var n = shifted - Vector256.Create(RoundingShift);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r);

        var p = Vector256.Create(1.0 / 479001600);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 39916800));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 3628800));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 362880));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 40320));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 5040));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 720));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 120));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 24));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.0 / 6));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<double>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<double>.One);

        // The low 12 bits of (2^51 + n) + 1023 are n + 1023, the biased exponent of 2^n; the shift drops the rest.
        var scale = (shifted.AsUInt64() + Vector256.Create(ExponentBias)) << 52;
        return p * scale.AsDouble();
    }
}
