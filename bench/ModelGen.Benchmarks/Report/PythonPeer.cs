using System.Diagnostics;
using System.Globalization;

namespace ModelGen.Benchmarks.Report;

/// <summary>
/// An upstream model measured by a script of <c>bench/peer</c> in a Python with torch, from a checkout of its
/// repository that the report is given with <see cref="CheckoutOption"/> (the script takes the same option).
/// </summary>
/// <param name="Title">The heading of its table in the report.</param>
/// <param name="Ours">The variant it is compared with, at the same sides.</param>
internal sealed record PythonPeer(string Title, string Script, string CheckoutOption, string Ours, int[] Sides, int[] QuickSides)
{
    /// <summary>segment-anything's <c>ImageEncoderViT</c>, vit_b.</summary>
    public static readonly PythonPeer SegmentAnything = new(
        "Upstream segment-anything ImageEncoderViT (vit_b)", "bench/peer/sam_image_encoder.py", "--segment-anything", "SamVitB",
        [256, 512, 1024], [512]);

    /// <summary>open_clip's ViT-B-16 visual tower with QuickGELU, to the token grid resized as OVSAM uses it.</summary>
    public static readonly PythonPeer OpenClip = new(
        "Upstream open_clip ViT-B-16 visual tower", "bench/peer/openclip_visual.py", "--open-clip", "OpenClipViTB16",
        [224, 448, 896], [448]);

    public static IReadOnlyList<PythonPeer> All { get; } = [SegmentAnything, OpenClip];

    /// <param name="tunedMemory">glibc keeps freed memory (its <c>MALLOC_*</c> tunables, as <c>TensorMemory.OptimizeForLargeTensors</c> sets them through <c>mallopt</c>).</param>
    public ForwardResult? Sample(string python, string checkout, int side, int repeats, int warmup, bool tunedMemory)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Script, CheckoutOption, checkout, "--side", Text(side), "--repeats", Text(repeats), "--warmup", Text(warmup), "--threads", Text(TorchSharp.torch.get_num_threads()) })
            start.ArgumentList.Add(argument);
        if (tunedMemory)
        {
            start.Environment["MALLOC_MMAP_MAX_"] = "0";
            start.Environment["MALLOC_TRIM_THRESHOLD_"] = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        }
        return ChildProcess.RunForResult(start, $"{Title} {side}²");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
