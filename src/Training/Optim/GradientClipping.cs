using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Training.Optim;

/// <summary>mmengine's <c>OptimWrapper</c> gradient clipping, <c>clip_grad=dict(max_norm, norm_type=2)</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// torch's <c>clip_grad_norm_</c> (LibTorch's own, through TorchSharp) over the parameters that require a gradient and
    /// have one: <c>total = ‖(‖g‖₂ for each g)‖₂</c>, then every gradient is multiplied by <c>min(1, maxNorm / (total + 1e-6))</c>.
    /// </summary>
    /// <returns>The total norm before clipping, or null when no parameter had a gradient (mmengine then does nothing).</returns>
    public static double? ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var withGradient = parameters.Where(HasGradient).ToArray();
        return withGradient.Length == 0 ? null : nn.utils.clip_grad_norm_(withGradient, maxNorm, norm_type: 2.0);
    }

    private static bool HasGradient(Parameter parameter)
    {
        if (!parameter.requires_grad)
            return false;
        using var grad = parameter.grad;
        return grad is not null;
    }
}
