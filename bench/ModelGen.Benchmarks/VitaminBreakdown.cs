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
/// <remarks>
/// Usage: <c>vitamin-breakdown [--sides 256,512,1024,2048] [--repeats 2]</c>, after one warm-up per size; with
/// <c>--modules</c>, the time inside each kind of module during whole forwards instead (module hooks, at the first side).
/// </remarks>
public static class VitaminBreakdown
{
    public static void Run(string[] args)
    {
        if (args.Contains("--modules"))
        {
            Modules(int.Parse(Option(args, "--sides", "1024").Split(',')[0], CultureInfo.InvariantCulture),
                int.Parse(Option(args, "--repeats", "4"), CultureInfo.InvariantCulture));
            return;
        }
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

    /// <summary>
    /// The time inside each kind of module during the fastest of <paramref name="repeats"/> forwards after a warm-up
    /// (from a module's pre-hook to its hook; parts of the RWKV layers beside their linear layers are the differences).
    /// </summary>
    private static void Modules(int side, int repeats)
    {
        // Seeded: which Bi-WKV scans run depends on the keys' spread (BiWkvSingleScans), and so on the weights.
        manual_seed(1);
        using var model = new VitaminSmallRwkv();
        using var noGrad = no_grad();
        using var images = randn(1, 3, side, side, generator: new Generator(1));
        var totals = new Dictionary<string, double>();
        void Clock(string name, nn.Module<Tensor, Tensor> module)
        {
            totals.TryAdd(name, 0);
            long started = 0;
            module.register_forward_pre_hook((_, x) =>
            {
                started = Stopwatch.GetTimestamp();
                return x;
            });
            module.register_forward_hook((_, _, y) =>
            {
                totals[name] += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                return y;
            });
        }
        Clock("stem", model.Stem);
        for (var stage = 0; stage < model.ConvStages.Count; stage++)
            for (var block = 0; block < model.ConvStages[stage].Count; block++)
                Clock($"conv stage {stage}, block {block}", model.ConvStages[stage][block]);
        Clock("final pooling conv", model.ConvFinalPool);
        foreach (var norm in model.modules().OfType<LayerNorm2d>())
            Clock("LayerNorm2d (all)", norm);
        foreach (var layer in model.Layers.OfType<RwkvBlock>())
        {
            Clock("RWKV layers", layer);
            Clock("RWKV layer norms", layer.Norm1);
            Clock("RWKV layer norms", layer.Norm2);
            Clock("spatial mixes", layer.Attn);
            Clock("channel mixes", layer.Mlp);
            foreach (var linear in new[] { layer.Attn.Key, layer.Attn.Value, layer.Attn.Receptance, layer.Attn.Output })
                Clock("spatial mixes' linear layers", linear);
            foreach (var linear in new[] { layer.Mlp.Key, layer.Mlp.Value, layer.Mlp.Receptance })
                Clock("channel mixes' linear layers", linear);
        }

        var (fastest, inside) = (double.MaxValue, new Dictionary<string, double>());
        for (var run = 0; run <= repeats; run++)
        {
            foreach (var name in totals.Keys.ToList())
                totals[name] = 0;
            var watch = Stopwatch.StartNew();
            using (model.Forward(images))
                watch.Stop();
            if (run > 0 && watch.Elapsed.TotalMilliseconds < fastest)
                (fastest, inside) = (watch.Elapsed.TotalMilliseconds, new Dictionary<string, double>(totals));
        }
        inside["spatial mixes beside their linear layers"] = inside["spatial mixes"] - inside["spatial mixes' linear layers"];
        inside["channel mixes beside their linear layers"] = inside["channel mixes"] - inside["channel mixes' linear layers"];
        Console.WriteLine($"side {side}, torch threads {get_num_threads()}, load {LoadAverage()}; the fastest of {repeats} forwards:");
        Console.WriteLine("| part | ms |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| forward | {fastest:F0} |"));
        foreach (var (name, milliseconds) in inside)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {milliseconds:F1} |"));
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
