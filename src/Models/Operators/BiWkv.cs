using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Operators;

/// <summary>
/// The bidirectional WKV operator of Vision-RWKV:
/// <code>
/// y[b,t,c] = ( sum_{i != t} exp(-(|t-i| - 1) w[c] + k[b,i,c]) v[b,i,c] + exp(u[c] + k[b,t,c]) v[b,t,c] )
///          / ( sum_{i != t} exp(-(|t-i| - 1) w[c] + k[b,i,c])          + exp(u[c] + k[b,t,c]) )
/// </code>
/// with <c>w</c> and <c>u</c> used as given (VRWKV_SpatialMix passes spatial_decay / T and spatial_first / T).
/// On the CPU it costs O(B·T·C) and is stable for any magnitude of k, w and u that float64 can represent; on other
/// devices it runs as tensor operations (<see cref="BiWkvMode.TensorOps"/>), stable for any magnitude of the dtype.
/// float16 and bfloat16 inputs are computed in float32, as upstream's CUDA wrapper does, and the result is cast back.
/// </summary>
public static class BiWkv
{
    /// <summary>Evaluates the operator, differentiable in all four inputs in every mode but <see cref="BiWkvMode.UpstreamKernel"/>.</summary>
    /// <param name="w">Decay per channel, shape (C).</param>
    /// <param name="u">Bonus of the token itself per channel, shape (C).</param>
    /// <param name="k">Keys, shape (B, T, C).</param>
    /// <param name="v">Values, shape (B, T, C).</param>
    /// <param name="mode">The formula (CPU kernels on the CPU, tensor operations elsewhere), the formula as tensor
    /// operations on any device, or the arithmetic of the upstream CUDA kernel (forward only).</param>
    /// <returns>y, shape (B, T, C), of the inputs' dtype and device.</returns>
    public static Tensor Apply(Tensor w, Tensor u, Tensor k, Tensor v, BiWkvMode mode = BiWkvMode.Formula)
    {
        Validate(w, u, k, v);
        // One multiply-add for the numerator and one for the denominator per token, channel and direction.
        Backbones.FlopCounter.Add(Backbones.FlopKind.BiWkv, 4 * k.shape[0] * k.shape[1] * k.shape[2]);
        // A FLOP count on the meta device wants the shape only: there are no values to run a kernel on.
        if (k.device_type == DeviceType.META)
            return empty_like(v);
        if (mode == BiWkvMode.UpstreamKernel && is_grad_enabled() && new[] { w, u, k, v }.Any(t => t.requires_grad))
            throw new NotSupportedException(
                "BiWkv: the upstream-kernel mode has no backward; call it under torch.no_grad() or use BiWkvMode.Formula.");

        using var scope = NewDisposeScope();
        var dtype = k.dtype;
        if (dtype is ScalarType.Float16 or ScalarType.BFloat16)
            (w, u, k, v) = (w.to_type(ScalarType.Float32), u.to_type(ScalarType.Float32), k.to_type(ScalarType.Float32),
                v.to_type(ScalarType.Float32));
        var onCpu = k.device_type == DeviceType.CPU;
        var y = mode switch
        {
            BiWkvMode.UpstreamKernel when onCpu => BiWkvCpu.Forward(w, u, k, v, mode),
            BiWkvMode.UpstreamKernel => BiWkvCpu.Forward(w.cpu(), u.cpu(), k.cpu(), v.cpu(), mode).to(k.device),
            BiWkvMode.Formula when onCpu => BiWkvFunction.apply(w, u, k, v),
            _ => BiWkvTensorOps.Forward(w, u, k, v),
        };
        return y.to_type(dtype).MoveToOuterDisposeScope();
    }

    private static void Validate(Tensor w, Tensor u, Tensor k, Tensor v)
    {
        foreach (var t in new[] { w, u, k, v })
        {
            if (t.device_type != k.device_type || t.device_index != k.device_index)
                throw new ArgumentException(
                    $"BiWkv needs w, u, k, v on one device; got {w.device}, {u.device}, {k.device}, {v.device}.");
            if (t.dtype != k.dtype || t.dtype is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
                throw new ArgumentException(
                    $"BiWkv needs w, u, k, v all of one floating-point dtype (float16, bfloat16, float32 or float64); got {w.dtype}, {u.dtype}, {k.dtype}, {v.dtype}.");
        }
        if (k.dim() != 3 || !k.shape.SequenceEqual(v.shape))
            throw new ArgumentException(
                $"BiWkv needs k and v of the same shape (B, T, C); got [{string.Join(", ", k.shape)}] and [{string.Join(", ", v.shape)}].");
        var channels = k.shape[2];
        if (w.dim() != 1 || w.shape[0] != channels || u.dim() != 1 || u.shape[0] != channels)
            throw new ArgumentException(
                $"BiWkv needs w and u of shape ({channels}); got [{string.Join(", ", w.shape)}] and [{string.Join(", ", u.shape)}].");
        if (k.shape[1] > int.MaxValue || channels > int.MaxValue || k.shape[0] > int.MaxValue)
            throw new ArgumentException("BiWkv: B, T and C must each fit in an int.");
    }
}
