using System.Runtime.CompilerServices;

namespace ModelGen.Models.Operators;

/// <summary>
/// The 16 float32 lanes of one token of a Bi-WKV block (<see cref="BiWkvShape.BlockChannels"/>), as one vector where
/// the processor has 512-bit vectors (<see cref="BlockRow512"/>) or as two of 256 bits (<see cref="BlockRow256Pair"/>).
/// The float32 scans are written once against this interface; the JIT compiles them for each row type.
/// </summary>
internal unsafe interface IBlockRow<TSelf> where TSelf : struct, IBlockRow<TSelf>
{
    public const int Lanes = BiWkvShape.BlockChannels;

    static abstract TSelf Zero { get; }

    static abstract TSelf Create(float value);

    /// <summary>A row of <see cref="Lanes"/> values.</summary>
    static abstract TSelf Create(ReadOnlySpan<float> values);

    static abstract TSelf Load(float* source);

    void Store(float* destination);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    /// <summary>left · right + addend, fused where the processor can.</summary>
    static abstract TSelf MultiplyAdd(TSelf left, TSelf right, TSelf addend);

    static abstract TSelf Max(TSelf left, TSelf right);

    static abstract TSelf Min(TSelf left, TSelf right);

    static abstract TSelf Abs(TSelf value);

    /// <summary>2^n for lanes holding 1.5·2^23 + n as float32 (n an integer in [-126, 127]).</summary>
    static abstract TSelf PowerOfTwo(TSelf shifted);

    /// <summary>
    /// exp(x) lane-wise for x in [-87, 88], within about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by its Taylor
    /// series up to r^7/7! (remainder below 5.3e-9 relative).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static virtual TSelf Exp(TSelf x)
    {
        const float roundingShift = 12582912.0f;
        // ln 2 = ln2High - ln2Low, the first with 9 significant bits so that n · ln2High is exact.
        const float ln2High = 0.693359375f, ln2Low = 2.12194440e-4f;
        var shifted = TSelf.MultiplyAdd(x, TSelf.Create(1.44269504f), TSelf.Create(roundingShift));
        var n = shifted - TSelf.Create(roundingShift);
        var r = TSelf.MultiplyAdd(n, TSelf.Create(-ln2High), x);
        r = TSelf.MultiplyAdd(n, TSelf.Create(ln2Low), r);

        var p = TSelf.Create(1.0f / 5040);
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f / 720));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f / 120));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f / 24));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f / 6));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(0.5f));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f));
        p = TSelf.MultiplyAdd(p, r, TSelf.Create(1.0f));
        return p * TSelf.PowerOfTwo(shifted);
    }

    /// <summary>Adds the lanes to <paramref name="sums"/> (length <see cref="Lanes"/>).</summary>
    void AddTo(Span<double> sums);

    /// <summary>Lane <paramref name="lane"/> (0 to <see cref="Lanes"/> - 1).</summary>
    float this[int lane] { get; }
}
