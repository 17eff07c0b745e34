using System.Runtime.CompilerServices;
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
                BiWkvUpstreamKernel.Forward(shape, wValues, uValues, AddressOf(k64), AddressOf(v64), AddressOf(y64));
            return y64.to_type(k.dtype).MoveToOuterDisposeScope();
        }

        shape = InKernelLayout(shape);
        var (kc, vc) = (ToLayout(k, shape), ToLayout(v, shape));
        var y = empty_like(kc);
        if (y.numel() > 0)
        {
            if (k.dtype == ScalarType.Float64)
                BiWkvFormulaKernel.Forward<double>(shape, wValues, uValues, AddressOf(kc), AddressOf(vc), AddressOf(y));
            else
                BiWkvFormulaKernel.Forward<float>(shape, wValues, uValues, AddressOf(kc), AddressOf(vc), AddressOf(y));
        }
        return FromLayout(y, shape).MoveToOuterDisposeScope();
    }

    public static (Tensor GradW, Tensor GradU, Tensor GradK, Tensor GradV) Backward(
        Tensor w, Tensor u, Tensor k, Tensor v, Tensor gradY)
    {
        using var scope = NewDisposeScope();
        var shape = InKernelLayout(ShapeOf(k));
        var (kc, vc) = (ToLayout(k, shape), ToLayout(v, shape));
        var (gradYIn, gradYStrides) = InPlaceOrInLayout(gradY.to_type(k.dtype), shape);
        var gradK = empty_like(kc);
        var gradV = empty_like(kc);
        var gradW = new double[shape.Channels];
        var gradU = new double[shape.Channels];
        if (gradK.numel() > 0)
        {
            var (wValues, uValues) = (ToDoubles(w), ToDoubles(u));
            if (k.dtype == ScalarType.Float64)
                BiWkvFormulaKernel.Backward<double>(shape, wValues, uValues, AddressOf(kc), AddressOf(vc),
                    AddressOf(gradYIn), gradYStrides, AddressOf(gradK), AddressOf(gradV), gradW, gradU);
            else
                BiWkvFormulaKernel.Backward<float>(shape, wValues, uValues, AddressOf(kc), AddressOf(vc),
                    AddressOf(gradYIn), gradYStrides, AddressOf(gradK), AddressOf(gradV), gradW, gradU);
        }
        return (tensor(gradW).to_type(w.dtype).MoveToOuterDisposeScope(),
            tensor(gradU).to_type(u.dtype).MoveToOuterDisposeScope(),
            FromLayout(gradK, shape).MoveToOuterDisposeScope(), FromLayout(gradV, shape).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The gradient as given when its channels are all one value (the expanded gradient of <c>sum()</c> or
    /// <c>mean()</c>) or, in the contiguous layout, contiguous, which saves a copy; otherwise a copy in the keys' layout.
    /// </summary>
    private static (Tensor First, BiWkvStrides Strides) InPlaceOrInLayout(Tensor gradY, BiWkvShape shape)
    {
        var strides = gradY.stride();
        if ((strides[2] == 0 || (strides[2] == 1 && !shape.Blocked)) && gradY.numel() > 0)
            return (gradY.select(0, 0).select(0, 0).select(0, 0), new BiWkvStrides(strides[0], strides[1], strides[2]));
        return (ToLayout(gradY, shape), BiWkvStrides.KeysLayout);
    }

    /// <summary>The blocked layout where it applies: one (T, 16) copy per block costs less than strided scans.</summary>
    private static BiWkvShape InKernelLayout(BiWkvShape shape) =>
        shape with { Blocked = BiWkvShape.CanBlock(shape.Channels) };

    private static Tensor ToLayout(Tensor values, BiWkvShape shape) => shape.Blocked
        ? values.reshape(shape.Batch, shape.Tokens, shape.BlocksPerBatch, BiWkvShape.BlockChannels)
            .permute(0, 2, 1, 3).contiguous()
        : values.contiguous();

    private static Tensor FromLayout(Tensor values, BiWkvShape shape) => shape.Blocked
        ? values.permute(0, 2, 1, 3).reshape(shape.Batch, shape.Tokens, shape.Channels)
        : values;

    private static BiWkvShape ShapeOf(Tensor k) => new((int)k.shape[0], (int)k.shape[1], (int)k.shape[2]);

    private static double[] ToDoubles(Tensor values)
    {
        using var asDouble = values.to_type(ScalarType.Float64).contiguous();
        return asDouble.data<double>().ToArray();
    }

    /// <summary>Tensor memory is native, so the address stays valid while the tensor lives.</summary>
    private static nint AddressOf(Tensor contiguous) =>
        (nint)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(contiguous.bytes));
}
