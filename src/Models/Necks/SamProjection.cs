using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// The SAM image encoder's neck as OVSAM's necks repeat it: <c>0</c> 1x1 conv, <c>1</c> LayerNorm2d,
/// <c>2</c> 3x3 conv with padding 1, <c>3</c> LayerNorm2d (convolutions without bias, eps 1e-6).
/// </summary>
internal static class SamProjection
{
    private const double Eps = 1e-6;

    public static Sequential Create(long inChannels, long outChannels) => nn.Sequential(
        ("0", nn.Conv2d(inChannels, outChannels, kernel_size: 1, bias: false)),
        ("1", new LayerNorm2d(outChannels, Eps)),
        ("2", nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1, bias: false)),
        ("3", new LayerNorm2d(outChannels, Eps)));
}
