using System.Diagnostics;
using System.Globalization;

namespace ModelGen.Benchmarks.Report;

/// <summary>
/// Upstream's SAM ViT-B image encoder (segment-anything's <c>ImageEncoderViT</c>) measured by
/// <c>bench/peer/sam_image_encoder.py</c> in a Python with torch, from a segment-anything checkout the caller names.
/// </summary>
internal static class PythonPeer
{
    private const string Script = "bench/peer/sam_image_encoder.py";

    /// <param name="tunedMemory">glibc keeps freed memory (its <c>MALLOC_*</c> tunables, as <c>TensorMemory.OptimizeForLargeTensors</c> sets them through <c>mallopt</c>).</param>
    public static ForwardResult? Sample(string python, string segmentAnything, int side, int repeats, int warmup, bool tunedMemory)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Script, "--segment-anything", segmentAnything, "--side", Text(side), "--repeats", Text(repeats), "--warmup", Text(warmup), "--threads", Text(TorchSharp.torch.get_num_threads()) })
            start.ArgumentList.Add(argument);
        if (tunedMemory)
        {
            start.Environment["MALLOC_MMAP_MAX_"] = "0";
            start.Environment["MALLOC_TRIM_THRESHOLD_"] = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        }
        return ChildProcess.RunForResult(start, $"upstream ImageEncoderViT vit_b {side}²");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
