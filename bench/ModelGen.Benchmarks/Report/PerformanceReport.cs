using System.Diagnostics;
using System.Globalization;

namespace ModelGen.Benchmarks.Report;

/// <summary>
/// The numbers of docs/performance.md, from one command: the machine, LibTorch's matmul roofline (measured at the
/// start and the end), every family's forward time and peak memory over image sides (each variant and side in a
/// process of its own, <see cref="ForwardSample"/>), the fraction of the roofline each reaches, SAM ViT-B and
/// VITAMIN-S RWKV in alternated processes (their speed ratio, measured in the same phases of the machine), SAM ViT-B
/// with the library's default native memory against the tuned ones, and, when given a Python with torch and
/// checkouts of segment-anything or open_clip, upstream's <c>ImageEncoderViT</c> or ViT-B-16 visual tower measured in
/// the same run (<see cref="PythonPeer"/>). Writes <c>results.csv</c>, <c>report.md</c> and PNG plots into <c>--out</c>.
/// </summary>
/// <remarks>
/// Usage: <c>report [--quick] [--out docs/performance] [--python /usr/bin/python3 [--segment-anything DIR] [--open-clip DIR]]</c>.
/// <c>--quick</c> measures fewer sides with one repeat and finishes in a few minutes.
/// </remarks>
internal static class PerformanceReport
{
    private sealed record Plan(string Variant, string Label, int[] Sides);

    public static void Run(string[] args)
    {
        var quick = Options.Flag(args, "--quick");
        var output = Options.Text(args, "--out", Path.Combine("docs", "performance"));
        var python = Options.Text(args, "--python");
        var checkouts = PythonPeer.All
            .Select(peer => (Peer: peer, Checkout: Options.Text(args, peer.CheckoutOption)))
            .Where(given => given.Checkout is not null)
            .ToList();
        var (repeats, warmup, matmulSide) = quick ? (1, 1, 2048) : (3, 1, 4096);
        Directory.CreateDirectory(output);

        var notes = MachineDescription.Lines().ToList();
        notes.ForEach(Console.WriteLine);
        var rooflineBefore = MatmulRoofline.Measure(matmulSide, 3);
        Console.WriteLine($"matmul {matmulSide}³ float32: {rooflineBefore}");

        var plans = quick ? QuickPlans() : FullPlans();
        var tuned = new List<ForwardResult>();
        foreach (var plan in plans)
            foreach (var side in plan.Sides)
                if (Sample(plan.Variant, side, repeats, warmup, freshPages: false) is { } result)
                    tuned.Add(result);

        var ratioSide = quick ? 512 : 1024;
        var pairs = new List<(ForwardResult Sam, ForwardResult Vitamin)>();
        for (var round = 0; round < (quick ? 1 : 3); round++)
            if (Sample("SamVitB", ratioSide, repeats, warmup, freshPages: false) is { } sam
                && Sample("VitaminSmallRwkv", ratioSide, repeats, warmup, freshPages: false) is { } vitamin)
                pairs.Add((sam, vitamin));

        var memoryModes = new List<(string Mode, ForwardResult Result)>();
        foreach (var (mode, fresh, hugePages) in new[]
                 {
                     ("library defaults", true, false), ("huge pages only", true, true),
                     ("freed memory reused", false, false), ("freed memory reused, huge pages", false, true),
                 })
            if (Sample("SamVitB", 1024, repeats, warmup, fresh, hugePages) is { } result)
                memoryModes.Add((mode, result));

        var peers = new List<PeerResult>();
        if (python is not null)
            foreach (var (peer, checkout) in checkouts)
                foreach (var (mode, tunedMemory) in new[] { ("PyTorch defaults", false), ("freed memory reused", true) })
                    foreach (var side in quick ? peer.QuickSides : peer.Sides)
                        if (peer.Sample(python, checkout!, side, repeats, warmup, tunedMemory) is { } result)
                            peers.Add(new PeerResult(peer, mode, result));

        var rooflineAfter = MatmulRoofline.Measure(matmulSide, 3);
        Console.WriteLine($"matmul {matmulSide}³ float32: {rooflineAfter}");
        notes.Add($"Load average at the end: {MachineDescription.LoadAverage()}");
        var roofline = Math.Max(rooflineBefore.Best, rooflineAfter.Best);

        ReportFiles.WriteCsv(Path.Combine(output, "results.csv"), tuned, pairs, memoryModes, peers, roofline);
        ReportPlots.Write(output, tuned, roofline);
        var markdown = ReportFiles.Markdown(notes, matmulSide, rooflineBefore, rooflineAfter, tuned, pairs, memoryModes, peers, roofline, quick);
        Models.IO.AtomicFile.WriteAllText(Path.Combine(output, "report.md"), markdown);
        Console.WriteLine();
        Console.WriteLine(markdown);
    }

    private static Plan[] FullPlans() =>
    [
        new("SamVitB", "SAM ViT-B", [256, 512, 1024, 1536, 2048]),
        new("VitaminSmallRwkv", "VITAMIN-S RWKV", [256, 512, 1024, 1536, 2048]),
        new("VitaminSmallTransformer", "VITAMIN-S", [256, 512, 1024, 1536]),
        new("OpenClipViTB16", "OpenCLIP ViT-B/16", [224, 448, 896]),
        new("OpenClipRN50", "OpenCLIP RN50", [224, 448, 896, 1792]),
    ];

    private static Plan[] QuickPlans() =>
    [
        new("SamVitB", "SAM ViT-B", [256, 512, 1024]),
        new("VitaminSmallRwkv", "VITAMIN-S RWKV", [256, 512, 1024]),
        new("VitaminSmallTransformer", "VITAMIN-S", [256, 512]),
        new("OpenClipViTB16", "OpenCLIP ViT-B/16", [224, 448]),
        new("OpenClipRN50", "OpenCLIP RN50", [224, 448]),
    ];

    /// <summary>Runs <see cref="ForwardSample"/> in a child process of this harness.</summary>
    /// <param name="hugePages">Whether LibTorch backs large tensors with huge pages (<c>THP_MEM_ALLOC_ENABLE</c>).</param>
    private static ForwardResult? Sample(string variant, int side, int repeats, int warmup, bool freshPages, bool hugePages = false)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(PerformanceReport).Assembly.Location);
        if (freshPages)
            start.ArgumentList.Add("--fresh-pages");
        start.Environment["THP_MEM_ALLOC_ENABLE"] = hugePages ? "1" : "0";
        foreach (var argument in new[] { "forward-sample", "--variant", variant, "--side", Text(side), "--repeats", Text(repeats), "--warmup", Text(warmup) })
            start.ArgumentList.Add(argument);
        return ChildProcess.RunForResult(start, $"{variant} {side}²");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
