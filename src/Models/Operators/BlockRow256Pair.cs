using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>A block row as two 256-bit vectors (lanes 0-7, 8-15); for processors without AVX-512.</summary>
internal readonly unsafe struct BlockRow256Pair(Vector256<float> low, Vector256<float> high) : IBlockRow<BlockRow256Pair>
{
    private const int Half = 8;
    private readonly Vector256<float> _low = low;
    private readonly Vector256<float> _high = high;

    public static BlockRow256Pair Zero => new(Vector256<float>.Zero, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair Create(float value) => new(Vector256.Create(value), Vector256.Create(value));

    public static BlockRow256Pair Create(ReadOnlySpan<float> values) =>
        new(Vector256.Create(values), Vector256.Create(values[Half..]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair Load(float* source) => new(Vector256.Load(source), Vector256.Load(source + Half));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination)
    {
        _low.Store(destination);
        _high.Store(destination + Half);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair operator +(BlockRow256Pair left, BlockRow256Pair right) =>
        new(left._low + right._low, left._high + right._high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair operator -(BlockRow256Pair left, BlockRow256Pair right) =>
        new(left._low - right._low, left._high - right._high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair operator *(BlockRow256Pair left, BlockRow256Pair right) =>
        new(left._low * right._low, left._high * right._high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair operator /(BlockRow256Pair left, BlockRow256Pair right) =>
        new(left._low / right._low, left._high / right._high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair MultiplyAdd(BlockRow256Pair left, BlockRow256Pair right, BlockRow256Pair addend) =>
        new(Vector256.MultiplyAddEstimate(left._low, right._low, addend._low),
            Vector256.MultiplyAddEstimate(left._high, right._high, addend._high));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair Max(BlockRow256Pair left, BlockRow256Pair right) =>
        new(Vector256.Max(left._low, right._low), Vector256.Max(left._high, right._high));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair Min(BlockRow256Pair left, BlockRow256Pair right) =>
        new(Vector256.Min(left._low, right._low), Vector256.Min(left._high, right._high));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair Abs(BlockRow256Pair value) => new(Vector256.Abs(value._low), Vector256.Abs(value._high));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow256Pair PowerOfTwo(BlockRow256Pair shifted) =>
        new(PowerOfTwo(shifted._low), PowerOfTwo(shifted._high));

    public void AddTo(Span<double> sums)
    {
        (Vector256.Create(sums[..4]) + Vector256.WidenLower(_low)).CopyTo(sums);
        (Vector256.Create(sums[4..]) + Vector256.WidenUpper(_low)).CopyTo(sums[4..]);
        (Vector256.Create(sums[8..]) + Vector256.WidenLower(_high)).CopyTo(sums[8..]);
        (Vector256.Create(sums[12..]) + Vector256.WidenUpper(_high)).CopyTo(sums[12..]);
    }

    public float this[int lane] => lane < Half ? _low.GetElement(lane) : _high.GetElement(lane - Half);

    private static Vector256<float> PowerOfTwo(Vector256<float> shifted) =>
        ((shifted.AsInt32() + Vector256.Create(127)) << 23).AsSingle();
}
