using System.Globalization;
using ModelGen.Models.Layers.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Refuses, before it starts, a forward whose peak working set cannot fit in the memory available on the batch's
/// device: a forward that runs out of memory midway may be killed by the system rather than fail, after minutes of
/// swapping. The peak is estimated per family from the batch and the spec's shapes, in two phases: the activations
/// that grow with the pixels (a multiple of the first output's map, checked at the forward's entrance) and, for
/// families with global attention, the attention maps held at once (checked where the generated forward names
/// them), each plus a fixed allowance for LibTorch's working buffers. The factors were calibrated against the
/// process's measured peak resident set on the CPU (bench/README.md, "Forward memory"): an upper bound, 1.1-2.8x the
/// first forward's peak at the largest sizes measured with the allocator's defaults and 2.0-6.0x while glibc keeps
/// freed memory, where the peak depends on the order of allocations and earlier builds on other VMs peaked up to 1.9x
/// higher ("Forward memory on the AMD VM"). What is available is known for the CPU on Linux
/// (<c>MemAvailable</c> of <c>/proc/meminfo</c>) and not checked elsewhere, unless a limit is set.
/// </summary>
internal static class ForwardMemoryCheck
{
    private const string MemInfo = "/proc/meminfo";

    /// <summary>LibTorch's working buffers and the allocator's slack (freed blocks glibc keeps), up to about 250 MiB measured at mid sizes.</summary>
    public const double FixedBytes = 256.0 * (1 << 20);

    /// <summary>How a family's forward peaks: multiples of the first output's map and of one attention map.</summary>
    /// <param name="Activations">Peak of the pixel-proportional phase, in first-output maps.</param>
    /// <param name="Maps">Attention maps (N·heads, T, T) alive at once in a global-attention layer.</param>
    /// <param name="ActivationsBesideMaps">First-output maps alive beside them.</param>
    /// <param name="KeptFreedMemory">
    /// The estimate's multiple while glibc keeps freed memory (<see cref="Runtime.TensorMemory.KeepsFreedMemory"/>): the
    /// heap then grows past what the live tensors need, by how much depends on the order of the family's allocations.
    /// </param>
    public sealed record Profile(double Activations, double Maps, double ActivationsBesideMaps, double KeptFreedMemory = DefaultKeptFreedMemory);

    /// <summary>
    /// <see cref="Profile.KeptFreedMemory"/> of the OpenCLIP families, whose measured peaks with freed memory kept stayed
    /// within 0.6x of the estimate (OpenClipViTB16 at 896², OpenClipRN50 at 1792², docs/performance.md).
    /// </summary>
    public const double DefaultKeptFreedMemory = 1.8;

    /// <summary>
    /// sam-vit: scores (the relative positions added in place) and their softmax, with room for the einsums' terms
    /// and the block's output (3.3 maps, of a block of scores: SamAttention), beside each block's tokens;
    /// openclip-vit: scores and softmax (2), beside the blocks' tokens and the 4x and 2x upsampled outputs;
    /// openclip-resnet: the stem and layer1 at stride 2-4; vitamin: the stem and MBConv stages at stride 2-4
    /// (the first output is conv_stage1 at stride 4, the stem's maps at stride 2 are 4 of it), and a transformer
    /// layer's scores, scaled scores and softmax (3) beside the conv stages' outputs. The OpenCLIP ViT's and VITAMIN's
    /// attention runs through <see cref="ScaledDotProductAttention"/>, whose maps are blocks of
    /// <see cref="ScaledDotProductAttention.ScoresPerBlock"/> scores, so for them the factors apply to a block and the
    /// activations dominate. Measured first-forward peaks
    /// (bench/README.md, "Forward memory after the blocks of scores"): SamVitB up to 70 token maps beside its 8 MiB
    /// blocks, about the same with freed memory kept (1.3); VitaminSmallRwkv at 2048² up to 1.89x its estimate with
    /// freed memory kept, and VitaminSmallTransformer at 1024² 4000 MiB in two runs of docs/performance.md, 1.02x the
    /// estimate of a factor 2.2 (2.5).
    /// </summary>
    public static Profile For(string family) => family switch
    {
        "sam-vit" => new(64, 3.3, 80, KeptFreedMemory: 1.3),
        "openclip-vit" => new(3.5, 2.2, 3.5),
        "openclip-resnet" => new(18, 0, 0),
        "vitamin" => new(64, 3.3, 16, KeptFreedMemory: 2.5),
        _ => new(64, 3.3, 64),
    };

    private static double AllocatorFactor(Profile profile) => Runtime.TensorMemory.KeepsFreedMemory ? profile.KeptFreedMemory : 1.0;

    /// <summary>The estimated peak of the pixel-proportional phase for <paramref name="images"/>.</summary>
    public static double ActivationBytes(BackboneModule backbone, Tensor images)
    {
        var profile = For(((IBackbone)backbone).Config.Family);
        return AllocatorFactor(profile) * (profile.Activations * FirstOutputBytes(backbone, images) + FixedBytes);
    }

    /// <summary>
    /// The estimated peak of a global-attention layer whose maps have <paramref name="mapShape"/> (N·heads, T, T) or
    /// (N, heads, T, T). When the layer computes <paramref name="scoresPerBlock"/> scores at a time (in whole rows of
    /// T, at least one), a map is such a block, where it is smaller.
    /// </summary>
    public static double AttentionBytes(BackboneModule backbone, Tensor images, IReadOnlyList<long> mapShape, long? scoresPerBlock = null)
    {
        var profile = For(((IBackbone)backbone).Config.Family);
        var scores = mapShape.Aggregate(1.0, (product, size) => product * size);
        if (scoresPerBlock is long perBlock)
            scores = Math.Min(scores, IBlockedAttention.RowsPerBlock(perBlock, mapShape[^1]) * (double)mapShape[^1]);
        var map = scores * images.ElementSize;
        return AllocatorFactor(profile) * (profile.Maps * map + profile.ActivationsBesideMaps * FirstOutputBytes(backbone, images) + FixedBytes);
    }

    /// <summary>Throws <see cref="InsufficientMemoryException"/> when <paramref name="needBytes"/> exceeds <paramref name="availableBytes"/> (nothing when that is unknown).</summary>
    public static void Require(string backbone, Tensor images, double needBytes, string what, long? availableBytes)
    {
        if (availableBytes is not long available || needBytes <= available)
            return;
        throw new InsufficientMemoryException(
            $"{backbone} would need about {Format(needBytes)} at the peak of its forward ({what}) " +
            $"for a {string.Join("x", images.shape)} batch of {images.dtype}, but {Format(available)} is available on {images.device}. Use a smaller image or batch.");
    }

    /// <summary>The bytes of the first output's map for this batch: its channels on the image divided by its stride, rounded up.</summary>
    private static double FirstOutputBytes(BackboneModule backbone, Tensor images)
    {
        var first = backbone.FeatureInfo[0];
        var (height, width) = (Math.Ceiling(images.shape[2] / first.Reduction), Math.Ceiling(images.shape[3] / first.Reduction));
        return (double)images.shape[0] * first.Channels * height * width * images.ElementSize;
    }

    /// <summary>The memory available for new tensors on <paramref name="device"/>, or null when it is not known.</summary>
    public static long? AvailableBytes(Device device)
    {
        if (device.type != DeviceType.CPU || !File.Exists(MemInfo))
            return null;
        foreach (var line in File.ReadLines(MemInfo))
        {
            // "MemAvailable:   23535344 kB"
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["MemAvailable:", var kibibytes, "kB"] && long.TryParse(kibibytes, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                return value * 1024;
        }
        return null;
    }

    public static string Format(double bytes) => bytes < 1L << 30
        ? (bytes / (1 << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / (1L << 30)).ToString(bytes >= 1L << 40 ? "N0" : "0.0", CultureInfo.InvariantCulture) + " GiB";
}
