using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>A block row as one 512-bit vector; for processors with AVX-512 (<see cref="Vector512.IsHardwareAccelerated"/>).</summary>
internal readonly unsafe struct BlockRow512(Vector512<float> lanes) : IBlockRow<BlockRow512>
{
    private readonly Vector512<float> _lanes = lanes;

    public static BlockRow512 Zero => new(Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 Create(float value) => new(Vector512.Create(value));

    public static BlockRow512 Create(ReadOnlySpan<float> values) => new(Vector512.Create(values));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(float* destination) => _lanes.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 operator +(BlockRow512 left, BlockRow512 right) => new(left._lanes + right._lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 operator -(BlockRow512 left, BlockRow512 right) => new(left._lanes - right._lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 operator *(BlockRow512 left, BlockRow512 right) => new(left._lanes * right._lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 operator /(BlockRow512 left, BlockRow512 right) => new(left._lanes / right._lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 MultiplyAdd(BlockRow512 left, BlockRow512 right, BlockRow512 addend) =>
        new(Vector512.MultiplyAddEstimate(left._lanes, right._lanes, addend._lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 Max(BlockRow512 left, BlockRow512 right) => new(Vector512.Max(left._lanes, right._lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 Min(BlockRow512 left, BlockRow512 right) => new(Vector512.Min(left._lanes, right._lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 Abs(BlockRow512 value) => new(Vector512.Abs(value._lanes));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockRow512 PowerOfTwo(BlockRow512 shifted) =>
        new(((shifted._lanes.AsInt32() + Vector512.Create(127)) << 23).AsSingle());

    public void AddTo(Span<double> sums)
    {
        (Vector512.Create(sums[..8]) + Vector512.WidenLower(_lanes)).CopyTo(sums);
        (Vector512.Create(sums[8..]) + Vector512.WidenUpper(_lanes)).CopyTo(sums[8..]);
    }

    public float this[int lane] => _lanes.GetElement(lane);
}
