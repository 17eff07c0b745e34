using System.Collections.Concurrent;
using TorchSharp;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Layers.OpenClip;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Counts the multiply-accumulates of a forward (see <see cref="FlopCount"/> for what is counted).
/// Convolutions and linear modules are counted by forward hooks from their weights' and outputs'
/// shapes; the functional products of the library's layers (attention matmuls, relative positions,
/// Bi-WKV, CLIP's in-projection) report themselves while a count runs on the calling thread.
/// On the <c>meta</c> device the forward computes shapes only, so a full-size count takes no memory
/// for activations and milliseconds of time.
/// </summary>
public static class FlopCounter
{
    [ThreadStatic]
    private static long[]? t_tally;

    private static readonly ConcurrentDictionary<(string Backbone, int Height, int Width), FlopCount> Counted = new();

    /// <summary>Counts one forward of <paramref name="module"/> on <paramref name="input"/>, on whatever device the two are (use <c>meta</c> to allocate nothing).</summary>
    public static FlopCount Count<TResult>(nn.Module<Tensor, TResult> module, Tensor input) where TResult : IDisposable
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(input);
        var previous = t_tally;
        var tally = new long[Enum.GetValues<FlopKind>().Length];
        var hooks = new List<Action>();
        try
        {
            foreach (var child in module.modules().Prepend(module).Distinct())
                Hook(child, hooks);
            t_tally = tally;
            using (no_grad())
            using (module.call(input))
            {
            }
        }
        finally
        {
            t_tally = previous;
            foreach (var remove in hooks)
                remove();
        }
        var (batch, height, width) = input.dim() >= 3 ? (input.shape[0], input.shape[^2], input.shape[^1]) : (input.shape[0], 1L, input.shape[^1]);
        return new FlopCount(batch, height, width, tally);
    }

    /// <summary>
    /// Counts a forward of one image of <paramref name="height"/>x<paramref name="width"/> (the native size
    /// of <see cref="IBackbone.InputSizes"/> when null), with the variant built on the <c>meta</c> device; the
    /// count of each variant and size is computed once per process. While it runs, the default device is
    /// <c>meta</c> process-wide, so other threads should not create tensors then.
    /// </summary>
    public static FlopCount Count(ModelRegistration registration, int? height = null, int? width = null)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var key = (registration.FullName, height ?? 0, width ?? 0);
        if (Counted.TryGetValue(key, out var known))
            return known;
        var count = MetaBuild.Inspect(registration, model => Count(model, height, width));
        return Counted.GetOrAdd(key, count);
    }

    /// <summary>
    /// Counts a forward of one image of <paramref name="height"/>x<paramref name="width"/> (the native size when null)
    /// on <paramref name="backbone"/> where its parameters are: in no memory when it was built on the <c>meta</c>
    /// device, else with the activations of a real forward.
    /// </summary>
    public static FlopCount Count(IBackbone backbone, int? height = null, int? width = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        var sizes = backbone.InputSizes;
        var reference = backbone.Module.parameters().FirstOrDefault();
        using var images = zeros(1, 3, height ?? sizes.NativeHeight, width ?? sizes.NativeWidth,
            dtype: reference?.dtype ?? get_default_dtype(), device: reference?.device ?? get_default_device());
        return Count((nn.Module<Tensor, BackboneOutput>)backbone.Module, images);
    }

    /// <summary>Adds to the running count of this thread, if any.</summary>
    internal static void Add(FlopKind kind, long macs)
    {
        if (t_tally is { } tally)
            tally[(int)kind] += macs;
    }

    /// <summary>Whether a count runs on this thread.</summary>
    internal static bool Counting => t_tally is not null;

    private static void Hook(nn.Module module, List<Action> hooks)
    {
        switch (module)
        {
            case ConvolutionTranspose transposed:
                ShapeOnlyOnMeta(transposed, hooks, (m, input, _) => Add(FlopKind.TransposedConvolution, Elements(input) * PerElement(m)));
                break;
            case Convolution convolution:
                ShapeOnlyOnMeta(convolution, hooks, (m, _, output) => Add(FlopKind.Convolution, Elements(output) * PerElement(m)));
                break;
            case Linear or LinearLayer:
                hooks.Add(((nn.Module<Tensor, Tensor>)module).register_forward_hook((m, x, y) =>
                {
                    Add(FlopKind.Linear, y.numel() * Weight(m).shape[1]);
                    return y;
                }).remove);
                break;
            // Not counted (see FlopCount), but without a meta kernel in LibTorch.
            case NormBase or LayerNorm or GroupNorm or ClipLayerNorm:
                ShapeOnlyOnMeta((nn.Module<Tensor, Tensor>)module, hooks, (_, _, _) => { });
                break;
        }
    }

    /// <summary>
    /// LibTorch has no meta kernel for convolutions and normalisations but for an empty batch, whose output it
    /// shapes without computing: on meta, the module runs on the batch's first zero images and its output is
    /// given the batch back. <paramref name="count"/> gets the module and the input and output shapes of the whole batch.
    /// </summary>
    private static void ShapeOnlyOnMeta(nn.Module<Tensor, Tensor> module, List<Action> hooks, Action<nn.Module, long[], long[]> count)
    {
        long[] inputShape = [];
        hooks.Add(module.register_forward_pre_hook((m, x) =>
        {
            inputShape = x.shape;
            return x.device_type == DeviceType.META && x.shape[0] > 0 ? x.narrow(0, 0, 0) : x;
        }).remove);
        hooks.Add(module.register_forward_hook((m, x, y) =>
        {
            var output = y.device_type == DeviceType.META && y.shape[0] != inputShape[0]
                ? empty([inputShape[0], .. y.shape[1..]], dtype: y.dtype, device: y.device)
                : y;
            count(m, inputShape, output.shape);
            return output;
        }).remove);
    }

    private static long Elements(long[] shape) => shape.Aggregate(1L, (product, size) => product * size);

    /// <summary>A convolution's MACs per output element (per input element when transposed): the weight's dimensions after the first.</summary>
    private static long PerElement(nn.Module convolution) => Elements(Weight(convolution).shape[1..]);

    private static Tensor Weight(nn.Module module) => module.get_parameter("weight")
        ?? throw new InvalidOperationException($"{module.GetName()} has no weight to count.");
}
