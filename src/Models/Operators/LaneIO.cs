using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Models.Operators;

/// <summary>
/// Moves up to four consecutive float32 or float64 values between tensor memory and a <see cref="Vector256{T}"/> of
/// doubles; missing lanes read as zero and are not written.
/// </summary>
internal static unsafe class LaneIO
{
    public const int Width = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load<TScalar>(TScalar* source, int lanes) where TScalar : unmanaged
    {
        if (lanes == Width)
        {
            if (typeof(TScalar) == typeof(double))
                return Vector256.Load((double*)source);
            var narrow = Vector128.Load((float*)source);
            return Vector256.Create(Vector128.WidenLower(narrow), Vector128.WidenUpper(narrow));
        }
        return Vector256.Create(
            Read(source, 0),
            lanes > 1 ? Read(source, 1) : 0,
            lanes > 2 ? Read(source, 2) : 0,
            0);
    }

    /// <summary>Like <see cref="Load{TScalar}(TScalar*, int)"/>; a channel stride of 0 repeats the first value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load<TScalar>(TScalar* source, long channelStride, int lanes)
        where TScalar : unmanaged
    {
        if (channelStride != 0)
            return Load(source, lanes);
        var value = Read(source, 0);
        return Vector256.Create(value, lanes > 1 ? value : 0, lanes > 2 ? value : 0, lanes > 3 ? value : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TScalar>(Vector256<double> value, TScalar* destination, int lanes) where TScalar : unmanaged
    {
        if (lanes == Width)
        {
            if (typeof(TScalar) == typeof(double))
                value.Store((double*)destination);
            else
                Vector128.Narrow(value.GetLower(), value.GetUpper()).Store((float*)destination);
            return;
        }
        for (var lane = 0; lane < lanes; lane++)
            Write(destination, lane, value.GetElement(lane));
    }

    /// <summary>Up to four values of an array from <paramref name="start"/>; none (all zero) for <paramref name="lanes"/> ≤ 0.</summary>
    public static Vector256<double> Load(double[] source, int start, int lanes) => lanes <= 0 ? Vector256<double>.Zero : Vector256.Create(
        source[start],
        lanes > 1 ? source[start + 1] : 0,
        lanes > 2 ? source[start + 2] : 0,
        lanes > 3 ? source[start + 3] : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Read<TScalar>(TScalar* source, int index) where TScalar : unmanaged =>
        typeof(TScalar) == typeof(double) ? ((double*)source)[index] : ((float*)source)[index];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<TScalar>(TScalar* destination, int index, double value) where TScalar : unmanaged
    {
        if (typeof(TScalar) == typeof(double))
            ((double*)destination)[index] = value;
        else
            ((float*)destination)[index] = (float)value;
    }
}
