using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Cli;

internal static class BackboneCommands
{
    public static int List(TextWriter output)
    {
        output.WriteLine($"{"name",-26} {"family",-16} outputs (name:channels/stride)");
        foreach (var registration in ModelZoo.All)
            output.WriteLine($"{registration.Name,-26} {registration.Config.Family,-16} {Outputs(registration.FeatureInfo)}");
        return 0;
    }

    public static int Describe(TextWriter output, string name, WeightsChoice? weights = null)
    {
        if (!TryDescribe(output, name, out var registration))
            return 1;
        output.WriteLine($"{registration.Name} ({registration.Config.Family}, from {registration.Config.SpecPath})");
        output.WriteLine("config:");
        foreach (var property in registration.Config.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.Name is not (nameof(IModelConfig.Name) or nameof(IModelConfig.Family) or nameof(IModelConfig.SpecPath)))
                output.WriteLine($"  {property.Name,-22} {Format(property.GetValue(registration.Config))}");
        output.WriteLine($"outputs: {Outputs(registration.FeatureInfo)}");
        output.WriteLine(registration.Pretrained.Count == 0
            ? "pretrained: none declared"
            : "pretrained: " + string.Join("; ", registration.Pretrained.Values.Select(s => $"{s.Tag} ({s.FileName}, {s.License ?? "licence not stated"}, {s.Url})")));
        using var model = registration.Factory(null);
        output.WriteLine($"parameters: {model.Module.parameters().Sum(p => p.numel()).ToString("N0", CultureInfo.InvariantCulture)}");
        return weights is null ? 0 : LoadWeights(output, model, weights) ? 0 : 1;
    }

    public static int Run(TextWriter output, RunOptions options)
    {
        if (!TryDescribe(output, options.Name, out var registration))
            return 1;
        if (options.Threads is int threads)
            set_num_threads(threads);

        var size = options.Size ?? NativeSize(registration.Config);
        var clock = Stopwatch.StartNew();
        using var model = registration.Factory(null);
        var buildTime = clock.Elapsed;
        var weights = WeightsChoice.From(options);
        if (weights is not null && !LoadWeights(output, model, weights))
            return 1;

        using var images = options.Image is null ? ImageInput.Pattern(size) : ImageInput.Load(options.Image, size);
        output.WriteLine($"{registration.Name}: {model.Module.parameters().Sum(p => p.numel()).ToString("N0", CultureInfo.InvariantCulture)} parameters, built in {buildTime.TotalSeconds:F2} s{(weights is null ? " (random weights)" : $", weights from {weights.Describe()}")}");
        output.WriteLine($"input: [{string.Join(", ", images.shape)}] from {(options.Image is null ? "a generated test pattern" : options.Image.Name)}");

        using var _ = no_grad();
        var times = new List<double>();
        for (var i = 0; i <= Math.Max(1, options.Repeat); i++)
        {
            clock.Restart();
            using var features = model.Forward(images);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (i == 0)
            {
                foreach (var (info, feature) in features.Features.Zip(features))
                    output.WriteLine($"  {info.Name,-10} [{string.Join(", ", feature.shape)}]  channels {info.Channels}, stride {info.Reduction}, mean {feature.mean().item<float>():F4}, std {feature.std().item<float>():F4}");
                output.WriteLine($"first forward (warm-up): {elapsed:F0} ms");
            }
            else
            {
                times.Add(elapsed);
            }
        }
        times.Sort();
        output.WriteLine($"forward over {times.Count} runs: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms ({get_num_threads()} threads)");
        return 0;
    }

    /// <summary>Loads the chosen weights and prints the load report; a bad file or a failed download is one error line.</summary>
    private static bool LoadWeights(TextWriter output, IBackbone model, WeightsChoice weights)
    {
        try
        {
            var report = weights.Pretrained is { } tag
                ? model.LoadPretrained(tag, progress: new Progress<DownloadProgress>(p => output.WriteLine($"  downloading {p.FileName}: {p.BytesReceived:N0}{(p.TotalBytes is { } total ? $" of {total:N0}" : "")} bytes")))
                : model.LoadWeights(weights.File!.FullName, weights.Prefix, weights.AliasScheme);
            output.WriteLine($"weights: {report}");
            return true;
        }
        catch (Exception e) when (e is WeightFileException or WeightLoadException or WeightsDownloadException or ArgumentException)
        {
            output.WriteLine($"modelgen: error: {e.Message}");
            return false;
        }
    }

    private static bool TryDescribe(TextWriter output, string name, out ModelRegistration registration)
    {
        try
        {
            registration = ModelZoo.Describe(name);
            return true;
        }
        catch (KeyNotFoundException e)
        {
            output.WriteLine(e.Message);
            registration = null!;
            return false;
        }
    }

    private static int NativeSize(IModelConfig config)
    {
        var property = config.GetType().GetProperty("ImageSize");
        return property?.GetValue(config) switch
        {
            int side => side,
            IReadOnlyList<int> { Count: > 0 } sides => sides[0],
            _ => 224,
        };
    }

    private static string Outputs(IReadOnlyList<FeatureInfo> features) =>
        string.Join(", ", features.Select(f => $"{f.Name}:{f.Channels}/{f.Reduction}"));

    private static string Format(object? value) => value switch
    {
        null => "-",
        string text => text,
        double number => number.ToString("G", CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object>().Select(Format)) + "]",
        IConvertible convertible => convertible.ToString(CultureInfo.InvariantCulture),
        _ => "{ " + string.Join(", ", value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => $"{p.Name} = {Format(p.GetValue(value))}")) + " }",
    };
}
