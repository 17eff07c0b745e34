using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// The base of ModelGen's modules. Each registers its submodules and parameters itself, under the
/// upstream name that checkpoints use (<c>register_module("patch_embed", PatchEmbed)</c>).
/// TorchSharp's automatic registration of fields is switched off: it would also register the
/// backing fields of properties, under compiler-generated names.
/// A property giving a parameter or buffer looks it up by its registered name on every read
/// (<c>get_parameter("weight")!</c>) rather than keeping it: <c>module.to(dtype or device)</c>
/// replaces each registered tensor with a new one and disposes the old.
/// </summary>
public abstract class ExplicitModule<TInput, TResult> : nn.Module<TInput, TResult>
{
    protected ExplicitModule(string name) : base(name)
    {
    }

    protected override void RegisterComponents()
    {
    }
}
