using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Common;

/// <summary>
/// ReLU that also runs on the meta device (where FLOPs are counted): LibTorch has no meta kernel for <c>relu</c>, so
/// there it is <c>clamp_min(0)</c>, whose forward is the same. Elsewhere it stays <c>relu</c>, whose gradient at exactly
/// 0 is 0 where <c>clamp_min</c>'s is 1.
/// </summary>
public static class Relu
{
    public static Tensor Apply(Tensor x)
    {
        if (x.device_type != DeviceType.META)
            return nn.functional.relu(x);
        using var zero = 0.ToScalar();
        return x.clamp_min(zero);
    }
}
