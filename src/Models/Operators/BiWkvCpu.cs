using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Models.Operators;

/// <summary>Runs the Bi-WKV kernels on tensors: makes them contiguous, hands their CPU memory to the kernels.</summary>
internal static unsafe class BiWkvCpu
{
    public static Tensor Forward(Tensor w, Tensor u, Tensor k, Tensor v, BiWkvMode mode)
    {
        using var scope = NewDisposeScope();
        var shape = ShapeOf(k);
        var (wValues, uValues) = (ToDoubles(w), ToDoubles(u));
        if (mode == BiWkvMode.UpstreamKernel)
        {
            var k64 = k.to_type(ScalarType.Float64).contiguous();
            var v64 = v.to_type(ScalarType.Float64).contiguous();
            var y64 = empty_like(k64);
            if (y64.numel() > 0)
                BiWkvUpstreamKernel.Forward(shape, wValues, uValues, TensorAddress.Of(k64), TensorAddress.Of(v64), TensorAddress.Of(y64));
            return y64.to_type(k.dtype).MoveToOuterDisposeScope();
        }

        var (kc, vc) = (k.contiguous(), v.contiguous());
        var y = empty_like(kc);
        if (y.numel() > 0)
        {
            if (k.dtype == ScalarType.Float64)
                BiWkvFormulaKernel.Forward<double>(shape, wValues, uValues, TensorAddress.Of(kc), TensorAddress.Of(vc), TensorAddress.Of(y));
            else
                BiWkvFormulaKernel.Forward<float>(shape, wValues, uValues, TensorAddress.Of(kc), TensorAddress.Of(vc), TensorAddress.Of(y));
        }
        return y.MoveToOuterDisposeScope();
    }

    public static (Tensor GradW, Tensor GradU, Tensor GradK, Tensor GradV) Backward(
        Tensor w, Tensor u, Tensor k, Tensor v, Tensor gradY)
    {
        using var scope = NewDisposeScope();
        var shape = ShapeOf(k);
        var (kc, vc) = (k.contiguous(), v.contiguous());
        gradY = gradY.to_type(k.dtype);
        var gradK = empty_like(kc);
        var gradV = empty_like(kc);
        var gradW = new double[shape.Channels];
        var gradU = new double[shape.Channels];
        if (gradK.numel() > 0)
        {
            var (wValues, uValues) = (ToDoubles(w), ToDoubles(u));
            if (k.dtype == ScalarType.Float64)
                BiWkvFormulaKernel.Backward<double>(shape, wValues, uValues, TensorAddress.Of(kc), TensorAddress.Of(vc),
                    AddressOfFirst(gradY), StridesOf(gradY), TensorAddress.Of(gradK), TensorAddress.Of(gradV), gradW, gradU);
            else
                BiWkvFormulaKernel.Backward<float>(shape, wValues, uValues, TensorAddress.Of(kc), TensorAddress.Of(vc),
                    AddressOfFirst(gradY), StridesOf(gradY), TensorAddress.Of(gradK), TensorAddress.Of(gradV), gradW, gradU);
        }
        return (tensor(gradW).to_type(w.dtype).MoveToOuterDisposeScope(),
            tensor(gradU).to_type(u.dtype).MoveToOuterDisposeScope(),
            gradK.MoveToOuterDisposeScope(), gradV.MoveToOuterDisposeScope());
    }

    private static BiWkvShape ShapeOf(Tensor k) => new((int)k.shape[0], (int)k.shape[1], (int)k.shape[2]);

    private static double[] ToDoubles(Tensor values)
    {
        using var asDouble = values.to_type(ScalarType.Float64).contiguous();
        return asDouble.data<double>().ToArray();
    }

    private static BiWkvStrides StridesOf(Tensor values)
    {
        var strides = values.stride();
        return new BiWkvStrides(strides[0], strides[1], strides[2]);
    }

    /// <summary>The address of element (0, 0, 0) of a tensor of any strides (the gradient is read in place).</summary>
    private static nint AddressOfFirst(Tensor values) => TensorAddress.Of(values.select(0, 0).select(0, 0).select(0, 0));
}
