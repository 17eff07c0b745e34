using System.Diagnostics;
using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Attention;
using ModelGen.Models.Layers.Sam;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// SAM ViT-B's attention with the fused CPU kernel, on each instruction set this CPU has, against the blocked tensor
/// operations (<see cref="SamAttention.FusedKernel"/>), in one process, alternated every round: a global layer
/// (64 x 64 tokens at 1024²), a windowed layer (25 windows of 14 x 14), and the whole backbone, with where its time
/// goes (module hooks). Fastest and median.
/// </summary>
/// <remarks>Usage: <c>attention-kernels [--side 1024] [--rounds 4]</c>.</remarks>
public static class AttentionKernels
{
    public static void Run(string[] args)
    {
        var side = Report.Options.Whole(args, "--side", 1024);
        var rounds = Report.Options.Whole(args, "--rounds", 4);
        manual_seed(1);
        using var noGrad = no_grad();
        var grid = side / 16;
        FusedAttentionInstructions?[] paths =
            [null, .. Enum.GetValues<FusedAttentionInstructions>().Where(FusedAttentionKernel.IsSupported).Select(i => (FusedAttentionInstructions?)i)];
        Console.WriteLine($"side {side}, torch threads {get_num_threads()}, load {Report.MachineDescription.LoadAverage()}");
        Console.WriteLine("| what | " + string.Join(" | ", paths.Select(p => $"{Name(p)} fastest / median (ms)"))
                          + " | " + string.Join(" | ", paths.Skip(1).Select(p => $"blocked / {Name(p)} (fastest)")) + " |");
        Console.WriteLine("|---|" + string.Concat(Enumerable.Repeat("---:|", 2 * paths.Length - 1)));

        using (var global = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: grid))
        using (var tokens = randn(1, grid, grid, 768))
            Print($"global layer, {grid} x {grid} tokens", Alternate(rounds, paths, [global], () => global.call(tokens)));
        using (var windowed = new SamAttention(768, 12, qkvBias: true, useRelPos: true, relPosSize: 14))
        using (var windows = randn((grid + 13) / 14 * ((grid + 13) / 14), 14, 14, 768))
            Print($"windowed layer, {windows.shape[0]} windows of 14 x 14", Alternate(rounds, paths, [windowed], () => windowed.call(windows)));
        using var backbone = ModelZoo.Create("SamVitB");
        using var images = randn(1, 3, side, side);
        var layers = ((nn.Module)backbone).modules().OfType<SamAttention>().ToArray();
        var clocks = new Dictionary<string, LayerClock>();
        void Clock(string name, nn.Module<Tensor, Tensor> module)
        {
            var clock = clocks.TryGetValue(name, out var known) ? known : clocks[name] = new LayerClock();
            module.register_forward_pre_hook((_, x) => clock.Start(x));
            module.register_forward_hook((_, _, y) => clock.Stop(y));
        }
        foreach (var block in ((nn.Module)backbone).modules().OfType<SamBlock>())
        {
            var kind = block.WindowSize > 0 ? "windowed" : "global";
            Clock($"{kind} blocks", block);
            Clock($"{kind} attention", block.Attn);
            Clock("MLPs", block.Mlp);
            Clock("layer norms", block.Norm1);
            Clock("layer norms", block.Norm2);
        }
        var forwards = Alternate(rounds, paths, layers, () =>
        {
            foreach (var clock in clocks.Values)
                clock.Total = 0;
            return backbone.Forward(images);
        }, () => clocks.ToDictionary(c => c.Key, c => c.Value.Total));
        Print($"SamVitB forward, {layers.Length} attention layers", forwards.Times);
        Console.WriteLine();
        Console.WriteLine("Inside the forward, in the round of each path's fastest forward (ms; blocks include their attention, MLP and norms; " +
                          "the rest of a block is its window partitions and residual adds):");
        Console.WriteLine("| path | forward | global attention | windowed attention | MLPs | layer norms | rest of the blocks | outside the blocks |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (var p = 0; p < paths.Length; p++)
        {
            var fastest = forwards.Times[p].IndexOf(forwards.Times[p].Min());
            var (forward, inside) = (forwards.Times[p][fastest], forwards.Inside[p][fastest]);
            var blocks = inside["global blocks"] + inside["windowed blocks"];
            var rest = blocks - inside["global attention"] - inside["windowed attention"] - inside["MLPs"] - inside["layer norms"];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Name(paths[p])} | {forward:F0} | {inside["global attention"]:F0} | {inside["windowed attention"]:F0} | {inside["MLPs"]:F0} | {inside["layer norms"]:F0} | {rest:F0} | {forward - blocks:F0} |"));
        }
    }

    /// <summary>The time spent inside a kind of layer during one forward, from its pre-hook to its hook.</summary>
    private sealed class LayerClock
    {
        private long _started;

        public double Total { get; set; }

        public Tensor Start(Tensor x)
        {
            _started = Stopwatch.GetTimestamp();
            return x;
        }

        public Tensor Stop(Tensor y)
        {
            Total += Stopwatch.GetElapsedTime(_started).TotalMilliseconds;
            return y;
        }
    }

    private static string Name(FusedAttentionInstructions? path) => path is { } instructions ? $"fused {instructions}" : "blocked";

    /// <summary>Times of every path (null: the blocked operations), each round running them all once in turn; the first round warms up.</summary>
    private static List<double>[] Alternate(int rounds, FusedAttentionInstructions?[] paths, SamAttention[] layers, Func<IDisposable> forward) =>
        Alternate(rounds, paths, layers, forward, () => 0).Times;

    /// <summary>As above, with what <paramref name="inside"/> reads after each timed forward.</summary>
    private static (List<double>[] Times, List<T>[] Inside) Alternate<T>(int rounds, FusedAttentionInstructions?[] paths, SamAttention[] layers,
        Func<IDisposable> forward, Func<T> inside)
    {
        var times = paths.Select(_ => new List<double>()).ToArray();
        var read = paths.Select(_ => new List<T>()).ToArray();
        for (var round = 0; round <= rounds; round++)
            for (var p = 0; p < paths.Length; p++)
            {
                foreach (var layer in layers)
                    (layer.FusedKernel, layer.KernelInstructions) = (paths[p] is not null, paths[p] ?? layer.KernelInstructions);
                var watch = Stopwatch.StartNew();
                using (forward())
                    watch.Stop();
                if (round > 0)
                {
                    times[p].Add(watch.Elapsed.TotalMilliseconds);
                    read[p].Add(inside());
                }
            }
        return (times, read);
    }

    private static void Print(string what, List<double>[] times)
    {
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {string.Join(" | ", times.Select(t => $"{t.Min():F0} / {Median(t):F0}"))} | {string.Join(" | ", times.Skip(1).Select(t => $"{times[0].Min() / t.Min():F2}"))} |"));
    }
}
