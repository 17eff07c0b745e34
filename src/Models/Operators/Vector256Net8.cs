#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Models.Operators;

/// <summary>
/// The <see cref="Vector256"/> and <see cref="Vector512"/> methods the Bi-WKV kernels use that .NET 9 added, for the net8.0 build:
/// the same contracts, with a fused multiply-add where the processor has one (as .NET 9 does) and exp lane by lane.
/// </summary>
internal static class Vector256Net8
{
    extension(Vector256)
    {
        public static Vector256<double> MultiplyAddEstimate(Vector256<double> left, Vector256<double> right, Vector256<double> addend) =>
            Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : (left * right) + addend;

        public static Vector256<float> MultiplyAddEstimate(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
            Fma.IsSupported ? Fma.MultiplyAdd(left, right, addend) : (left * right) + addend;

        public static Vector256<double> Exp(Vector256<double> x) => Vector256.Create(
            Math.Exp(x.GetElement(0)), Math.Exp(x.GetElement(1)), Math.Exp(x.GetElement(2)), Math.Exp(x.GetElement(3)));

        public static Vector256<float> Exp(Vector256<float> x) => Vector256.Create(
            MathF.Exp(x.GetElement(0)), MathF.Exp(x.GetElement(1)), MathF.Exp(x.GetElement(2)), MathF.Exp(x.GetElement(3)),
            MathF.Exp(x.GetElement(4)), MathF.Exp(x.GetElement(5)), MathF.Exp(x.GetElement(6)), MathF.Exp(x.GetElement(7)));
    }

    extension(Vector512)
    {
        public static Vector512<float> MultiplyAddEstimate(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
            Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;
    }
}
#endif
