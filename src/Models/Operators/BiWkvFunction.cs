using static TorchSharp.torch;

namespace ModelGen.Models.Operators;

/// <summary>The autograd node of <see cref="BiWkvMode.Formula"/>: inputs w, u, k, v; output y.</summary>
internal sealed class BiWkvFunction : autograd.SingleTensorFunction<BiWkvFunction>
{
    public override string Name => nameof(BiWkvFunction);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (w, u, k, v) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        ctx.save_for_backward([w, u, k, v]);
        // Without this, TorchSharp would keep a placeholder tensor per output for the case of a missing gradient.
        ctx.set_materialize_grads(false);
        return BiWkvCpu.Forward(w, u, k, v, BiWkvMode.Formula);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        if (grad_output.IsInvalid)
            return [null!, null!, null!, null!];

        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (gradW, gradU, gradK, gradV) = BiWkvCpu.Backward(saved[0], saved[1], saved[2], saved[3], grad_output);
        return [gradW.MoveToOuterDisposeScope(), gradU.MoveToOuterDisposeScope(), gradK.MoveToOuterDisposeScope(),
            gradV.MoveToOuterDisposeScope()];
    }
}
