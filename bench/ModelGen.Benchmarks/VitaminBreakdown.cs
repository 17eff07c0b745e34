using ModelGen.Models.Layers.Common;
using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Layers.Vitamin;
using ModelGen.Models.Vitamin;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Splits a <see cref="VitaminSmallRwkv"/> forward into its convolutional part (stem, MBConv stages, final pooling conv,
/// position embedding) and its 14 RWKV token layers, by calling the submodules in the order of the generated
/// <c>forward</c> (final norm and output copies left out).
/// </summary>
/// <remarks>Usage: <c>vitamin-breakdown [--sides 256,512,1024,2048] [--repeats 2]</c>, after one warm-up per size.</remarks>
public static class VitaminBreakdown
{
    public static void Run(string[] args)
    {
        var sides = Option(args, "--sides", "256,512,1024,2048").Split(',').Select(int.Parse).ToArray();
        var repeats = int.Parse(Option(args, "--repeats", "2"), CultureInfo.InvariantCulture);
        Console.WriteLine($"torch threads: {get_num_threads()}, load: {LoadAverage()}");
        Console.WriteLine("| side | tokens | conv part (s) | step ratio | RWKV layers (s) | step ratio | µs/token (RWKV layers) |");
        Console.WriteLine("|-----:|-------:|--------------:|-----------:|----------------:|-----------:|-----------------------:|");

        using var model = new VitaminSmallRwkv();
        using var noGrad = no_grad();
        var (convBefore, layersBefore) = (0.0, 0.0);
        foreach (var side in sides)
        {
            using var images = randn(1, 3, side, side, generator: new Generator(1));
            var (conv, layers) = (double.MaxValue, double.MaxValue);
            for (var run = 0; run <= repeats; run++)
            {
                var (c, l) = Time(model, images);
                if (run > 0)
                    (conv, layers) = (Math.Min(conv, c), Math.Min(layers, l));
            }
            var tokens = (side / 16) * (side / 16);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {side} | {tokens} | {conv:F3} | {Step(conv, convBefore)} | {layers:F3} | {Step(layers, layersBefore)} | {layers * 1e6 / tokens:F0} |"));
            (convBefore, layersBefore) = (conv, layers);
        }
        Console.WriteLine($"load after: {LoadAverage()}");
    }

    private static (double Conv, double Layers) Time(VitaminSmallRwkv model, Tensor images)
    {
        using var scope = NewDisposeScope();
        var watch = Stopwatch.StartNew();
        var x = model.Stem.call(ChannelsLast.Of(images));
        foreach (var stage in model.ConvStages)
        foreach (var block in stage)
            x = block.call(x);
        x = model.ConvFinalPool.call(x).permute(0, 2, 3, 1).contiguous();
        x = x + PositionEmbedding.Resize(model.PosEmbed, 64, 64, x.shape[1], x.shape[2]);
        var conv = watch.Elapsed.TotalSeconds;
        watch.Restart();
        foreach (var layer in model.Layers)
            x = layer.call(x);
        return (conv, watch.Elapsed.TotalSeconds);
    }

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string Step(double now, double before) =>
        before > 0 ? (now / before).ToString("F2", CultureInfo.InvariantCulture) : "";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
