using ModelGen.Models.Layers.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.OpenClip;

/// <summary>
/// open_clip's <c>ModifiedResNet</c> bottleneck (expansion 4) with anti-aliased downsampling: every
/// convolution has stride 1 and a stride-sized average pool comes after <c>conv2</c> and before
/// the <c>downsample</c> convolution. Parameters <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>,
/// <c>conv3</c>, <c>bn3</c> and, when the shape changes, <c>downsample.0</c> (conv) and <c>downsample.1</c> (BN).
/// </summary>
public sealed class ClipBottleneck : ExplicitModule<Tensor, Tensor>
{
    public const int Expansion = 4;

    public ClipBottleneck(long inplanes, long planes, long stride) : base(nameof(ClipBottleneck))
    {
        Stride = stride;
        Conv1 = nn.Conv2d(inplanes, planes, kernel_size: 1, bias: false);
        Bn1 = nn.BatchNorm2d(planes);
        Conv2 = nn.Conv2d(planes, planes, kernel_size: 3, padding: 1, bias: false);
        Bn2 = nn.BatchNorm2d(planes);
        Conv3 = nn.Conv2d(planes, planes * Expansion, kernel_size: 1, bias: false);
        Bn3 = nn.BatchNorm2d(planes * Expansion);
        register_module("conv1", Conv1);
        register_module("bn1", Bn1);
        register_module("conv2", Conv2);
        register_module("bn2", Bn2);
        register_module("conv3", Conv3);
        register_module("bn3", Bn3);
        // open_clip's ModifiedResNet.init_parameters: each residual branch starts as zero.
        nn.init.zeros_(Bn3.weight!);
        if (stride > 1 || inplanes != planes * Expansion)
        {
            Downsample = nn.Sequential(
                ("-1", nn.AvgPool2d(stride)),
                ("0", nn.Conv2d(inplanes, planes * Expansion, kernel_size: 1, bias: false)),
                ("1", nn.BatchNorm2d(planes * Expansion)));
            register_module("downsample", Downsample);
        }
    }

    public long Stride { get; }

    public Conv2d Conv1 { get; }

    public BatchNorm2d Bn1 { get; }

    public Conv2d Conv2 { get; }

    public BatchNorm2d Bn2 { get; }

    public Conv2d Conv3 { get; }

    public BatchNorm2d Bn3 { get; }

    /// <summary>Average pool (key <c>-1</c>, no state), 1x1 conv and BatchNorm on the identity path; null when the identity fits as is.</summary>
    public Sequential? Downsample { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = Relu.Apply(Bn1.call(Conv1.call(x)));
        output = Relu.Apply(Bn2.call(Conv2.call(output)));
        if (Stride > 1)
            output = nn.functional.avg_pool2d(output, [Stride, Stride]);
        output = Bn3.call(Conv3.call(output));
        var identity = Downsample is null ? x : Downsample.call(x);
        return Relu.Apply(output + identity).MoveToOuterDisposeScope();
    }
}
