using ModelGen.Models.Layers.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>open_clip's <c>Transformer</c>: the blocks under <c>resblocks</c>, applied in order to batch-first tokens.</summary>
public sealed class ClipTransformer : ExplicitModule<Tensor, Tensor>
{
    public ClipTransformer(params ResidualAttentionBlock[] blocks) : base(nameof(ClipTransformer))
    {
        Resblocks = new ModuleList<ResidualAttentionBlock>(blocks);
        register_module("resblocks", Resblocks);
    }

    public ModuleList<ResidualAttentionBlock> Resblocks { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        foreach (var block in Resblocks)
            x = block.call(x);
        return x.MoveToOuterDisposeScope();
    }
}
