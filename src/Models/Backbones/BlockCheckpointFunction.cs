using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Activation checkpointing of one block, as PyTorch's reentrant <c>torch.utils.checkpoint</c>: the forward runs the
/// block without a graph and keeps only its input; the backward runs it again with a graph on a detached copy of the
/// input and backpropagates the incoming gradient through it, which accumulates the parameters' gradients into their
/// <c>.grad</c> directly, and returns the input's. Inputs: the block, its input, then the block's parameters that
/// require a gradient, so that the node is in the graph even when its input needs no gradient (the first block after
/// a frozen stem).
/// </summary>
/// <remarks>
/// No block draws random numbers in training (there is no dropout or drop path), so there is no random
/// state to restore before the recomputation. Buffers (BatchNorm's running statistics) are restored after
/// it, so that a checkpointed step moves them once, as a plain one does. As with PyTorch's reentrant variant, the
/// parameters' gradients reach <c>.grad</c> whatever the outer call: <c>autograd.grad</c> over them is not supported.
/// The parameters' gradients are not returned through the engine because TorchSharp keeps a managed handle to every
/// returned tensor until the caller's dispose scope ends: all of them would stay alive through the whole backward.
/// </remarks>
internal sealed class BlockCheckpointFunction : autograd.SingleTensorFunction<BlockCheckpointFunction>
{
    private const string BlockKey = "block";
    private const string ParametersKey = "parameters";
    private const string InputRequiresGradKey = "inputRequiresGrad";

    [ThreadStatic]
    private static Tensor? _returnedGradient;

    public override string Name => nameof(BlockCheckpointFunction);

    /// <summary>The block's output, through a checkpoint when anything in it needs a gradient; dispose it as the block's own.</summary>
    public static Tensor Run(nn.Module<Tensor, Tensor> block, Tensor input)
    {
        var parameters = block.parameters().Where(p => p.requires_grad).ToArray();
        if (parameters.Length == 0 && !input.requires_grad)
            return block.call(input);

        using var scope = NewDisposeScope();
        var vars = new object[2 + parameters.Length];
        vars[0] = block;
        vars[1] = input;
        parameters.CopyTo(vars, 2);
        return apply(vars).MoveToOuterDisposeScope();
    }

    // TorchSharp runs this under no_grad.
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (block, input) = ((nn.Module<Tensor, Tensor>)vars[0], (Tensor)vars[1]);
        ctx.save_for_backward([input]);
        ctx.save_data(BlockKey, block);
        ctx.save_data(ParametersKey, vars.Skip(2).Cast<Parameter>().ToArray());
        ctx.save_data(InputRequiresGradKey, input.requires_grad);
        // Without this, TorchSharp would keep a placeholder tensor per output for the case of a missing gradient.
        ctx.set_materialize_grads(false);
        return block.call(input);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        // The engine holds its own reference to what the last backward returned: the handle can go.
        _returnedGradient?.Dispose();
        _returnedGradient = null;
        var block = (nn.Module<Tensor, Tensor>)ctx.get_data(BlockKey);
        var parameters = (Parameter[])ctx.get_data(ParametersKey);
        var inputRequiresGrad = (bool)ctx.get_data(InputRequiresGradKey);
        var gradients = new List<Tensor>(new Tensor[2 + parameters.Length]);
        if (grad_output.IsInvalid)
            return gradients;

        using (NewDisposeScope())
        {
            var input = ctx.get_saved_variables()[0].detach().requires_grad_(inputRequiresGrad);
            var buffersBefore = block.buffers().Select(b => b.clone()).ToArray();
            Tensor output;
            using (enable_grad())
                output = block.call(input);
            Tensor[] leaves = inputRequiresGrad ? [input, .. parameters] : [.. parameters];
            autograd.backward([output], [grad_output], inputs: leaves);
            // Only now: BatchNorm's backward reads the statistics it saved, and an in-place restore before it would be refused.
            using (no_grad())
                foreach (var (buffer, before) in block.buffers().Zip(buffersBefore))
                    buffer.copy_(before);
            if (inputRequiresGrad)
                _returnedGradient = gradients[1] = input.grad!.MoveToOuterDisposeScope();
        }
        // The handles TorchSharp made for this call live in the caller's dispose scope, to the end of the whole
        // backward: the incoming gradient's can go now, the returned gradient's at the next call.
        grad_output.Dispose();
        return gradients;
    }
}
