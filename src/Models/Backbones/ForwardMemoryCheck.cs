using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Refuses, before it starts, a forward whose largest single tensor cannot fit in the memory available
/// on the batch's device: a forward that runs out of memory midway may be killed by the system rather
/// than fail, after minutes of swapping. The size comes from the spec's shapes and the batch; what is
/// available is known for the CPU on Linux (<c>MemAvailable</c> of <c>/proc/meminfo</c>) and not checked elsewhere.
/// </summary>
internal static class ForwardMemoryCheck
{
    private const string MemInfo = "/proc/meminfo";

    public static void Require(string backbone, Tensor images, string tensor, IReadOnlyList<long> shape, long? availableBytes)
    {
        // In double: a huge image's attention scores can overflow a long.
        var bytes = shape.Aggregate(1.0, (product, size) => product * size) * images.ElementSize;
        if (availableBytes is not long available || bytes <= available)
            return;
        throw new InsufficientMemoryException(
            $"{backbone} would need {Format(bytes)} for a single tensor, the {tensor} [{string.Join(", ", shape)}] of {images.dtype}, " +
            $"for a {string.Join("x", images.shape)} batch, but {Format(available)} is available on {images.device}. Use a smaller image or batch.");
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

    private static string Format(double bytes) =>
        (bytes / (1L << 30)).ToString(bytes >= 1L << 40 ? "N0" : "0.0", CultureInfo.InvariantCulture) + " GiB";
}
