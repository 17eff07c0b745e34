using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Vitamin;

/// <summary>
/// ViTamin's initialisation of its conv blocks (the stem and MBConv-LN blocks): every convolution's
/// weight drawn from N(0, sqrt(2 / fan_out)), with fan_out = kernel area × out channels / groups,
/// and biases zeroed.
/// </summary>
public static class ConvFanOutInit
{
    public static void Apply(nn.Module block)
    {
        using var _ = no_grad();
        foreach (var conv in block.modules().OfType<Conv2d>())
        {
            var shape = conv.weight!.shape;
            var fanOut = shape[0] * shape[2] * shape[3] / conv.groups;
            nn.init.normal_(conv.weight, 0, Math.Sqrt(2.0 / fanOut));
            if (conv.bias is not null)
                nn.init.zeros_(conv.bias);
        }
    }
}
