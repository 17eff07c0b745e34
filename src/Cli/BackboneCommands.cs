using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ModelGen.Models.Backbones;
using ModelGen.Training.Compositions;
using ModelGen.Models.Pretrained;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary><c>list</c>, <c>describe</c> and <c>run</c>. User errors are thrown as <see cref="UserError"/> before any model is built.</summary>
internal static class BackboneCommands
{
    public static int List(TextWriter output)
    {
        output.WriteLine($"{"name",-26} {"family",-16} {"parameters",13} {"GMACs",8}  outputs (name:channels/stride)");
        foreach (var registration in ModelZoo.All)
        {
            // One build on the meta device for both numbers.
            var (parameters, flops) = MetaBuild.Inspect(registration, m => (m.ParameterCount, FlopCounter.Count(m)));
            output.WriteLine($"{registration.Name,-26} {registration.Config.Family,-16} {Count(parameters),13} {GigaMacs(flops),8}  {Outputs(registration.FeatureInfo)}");
        }
        output.WriteLine($"GMACs: multiply-accumulates of one forward at the native size, which fvcore and timm print as GFLOPs ({NotCounted}).");
        CompositionCommands.List(output);
        return ExitCodes.Success;
    }

    public static int Describe(TextWriter output, StepProgress progress, string name, WeightsChoice? weightsOptions = null)
    {
        if (!ModelZoo.Contains(name) && DistillationZoo.Contains(name))
        {
            if (weightsOptions is { Pretrained: not null } or { File: not null })
                throw UserError.Usage($"{name} is a distillation composition: --weights and --pretrained apply to backbones (a composition's parts declare theirs).");
            return CompositionCommands.Describe(output, DistillationZoo.Describe(name));
        }
        var registration = ArgumentChecks.Model(name);
        var weights = ArgumentChecks.Weights(weightsOptions, registration);

        output.WriteLine($"{registration.Name} ({registration.Config.Family}, from {registration.Config.SpecPath})");
        output.WriteLine("config:");
        foreach (var property in registration.Config.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.Name is not (nameof(IModelConfig.Name) or nameof(IModelConfig.Family) or nameof(IModelConfig.SpecPath)))
                output.WriteLine($"  {property.Name,-22} {Format(property.GetValue(registration.Config))}");
        output.WriteLine($"outputs: {Outputs(registration.FeatureInfo)}");
        var rule = registration.InputSizes;
        output.WriteLine($"input sizes: {rule.Describe()}; --size takes {ArgumentChecks.SizeRange(rule)}");
        var flops = registration.CountFlops();
        output.WriteLine($"compute: {GigaMacs(flops)} GMACs (GFLOPs as fvcore and timm count them) for one {flops.Height}x{flops.Width} image: " +
                         string.Join(", ", flops.ByKind.Select(p => $"{KindName(p.Key)} {(p.Value < 5e6 ? "<0.01" : (p.Value / 1e9).ToString("F2", CultureInfo.InvariantCulture))}")) + $"; {NotCounted}");
        output.WriteLine(registration.Pretrained.Count == 0
            ? "pretrained: none declared"
            : "pretrained: " + string.Join("; ", registration.Pretrained.Values.Select(s => $"{s.Tag} ({s.FileName}, {s.License ?? "licence not stated"}, {s.Url})")));
        var (preprocessing, origin) = InputPreprocessing.For(registration, weights?.Pretrained);
        output.WriteLine($"preprocessing: {preprocessing} ({origin})");
        output.WriteLine($"parameters: {Count(MetaBuild.Inspect(registration, m => m.ParameterCount))}");
        if (weights is null)
            return ExitCodes.Success;

        using var model = progress.Run($"building {registration.Name}", _ => registration.Factory(null));
        output.WriteLine($"weights: {LoadWeights(progress, model, weights)}");
        return ExitCodes.Success;
    }

    public static int Run(TextWriter output, StepProgress progress, RunOptions options)
    {
        var registration = ArgumentChecks.Model(options.Name);
        var size = ArgumentChecks.Size(options.Size, registration);
        ArgumentChecks.Threads(options.Threads);
        ArgumentChecks.Repeat(options.Repeat);
        var weights = ArgumentChecks.Weights(options.Weights, registration);
        if (options.Image is not null && options.Pattern)
            throw UserError.Usage("give --image or --pattern, not both.");
        if (options.SaveFeatures is { } folder)
            ArgumentChecks.OutputFolder(folder, "--save-features");
        var (preprocessing, origin) = InputPreprocessing.For(registration, weights?.Pretrained);
        using var input = Input(options, size, preprocessing, out var source);

        if (options.Threads is int threads)
            set_num_threads(threads);
        var clock = Stopwatch.StartNew();
        using var model = progress.Run($"building {registration.Name}", _ => registration.Factory(null));
        var buildTime = clock.Elapsed;
        var report = weights is null ? null : LoadWeights(progress, model, weights);

        output.WriteLine($"{registration.Name}: {Count(model.ParameterCount)} parameters, built in {buildTime.TotalSeconds:F2} s{(weights is null ? " (random weights)" : $", weights from {weights.Describe()}")}");
        if (report is not null)
            output.WriteLine($"weights: {report}");
        output.WriteLine($"input: [{string.Join(", ", input.Batch.shape)}] from {source}, {input.ContentWidth}x{input.ContentHeight} padded to {size}x{size}");
        output.WriteLine($"preprocessing: {preprocessing} ({origin})");

        using var _ = no_grad();
        clock.Restart();
        using var features = progress.Run("first forward (warm-up)", _ => model.Forward(input.Batch));
        var warmUp = clock.Elapsed.TotalMilliseconds;
        foreach (var (info, feature) in features.Features.Zip(features))
            output.WriteLine($"  {info.Name,-10} [{string.Join(", ", feature.shape)}]  channels {info.Channels}, stride {info.Reduction}, mean {feature.mean().item<float>():F4}, std {feature.std().item<float>():F4}");
        output.WriteLine($"first forward (warm-up): {warmUp:F0} ms");

        var times = progress.Run($"{options.Repeat} timed forwards", task => TimedForwards(model, input.Batch, options.Repeat, task));
        output.WriteLine(times.Count == 0
            ? "no timed forwards (--repeat 0)"
            : $"forward over {times.Count} runs: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms ({get_num_threads()} threads)");

        if (options.SaveFeatures is { } target)
            foreach (var file in progress.Run("saving features", _ => FeatureImages.Save(target, input, features)))
                output.WriteLine($"wrote {file}");
        return ExitCodes.Success;
    }

    private static ModelInput Input(RunOptions options, int size, Preprocessing preprocessing, out string source)
    {
        source = options.Image is not null ? options.Image.Name : options.Pattern ? "a generated test pattern" : InputPictures.SampleDescription;
        using var picture = options.Image is not null ? InputPictures.File(options.Image)
            : options.Pattern ? InputPictures.Pattern(size)
            : InputPictures.Sample();
        return ModelInput.From(picture, size, preprocessing);
    }

    /// <summary>The times of <paramref name="count"/> forwards in milliseconds, sorted.</summary>
    private static List<double> TimedForwards(IBackbone model, Tensor images, int count, Spectre.Console.ProgressTask? task)
    {
        if (task is not null)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(1, count);
        }
        var times = new List<double>();
        var clock = new Stopwatch();
        for (var i = 0; i < count; i++)
        {
            clock.Restart();
            using (model.Forward(images))
                times.Add(clock.Elapsed.TotalMilliseconds);
            task?.Increment(1);
        }
        times.Sort();
        return times;
    }

    /// <summary>Loads the chosen weights (downloading a pretrained file with progress) and returns the load report.</summary>
    private static Models.Weights.WeightLoadReport LoadWeights(StepProgress progress, IBackbone model, WeightsChoice weights) =>
        weights.Pretrained is { } tag
            ? progress.Run($"loading pretrained '{tag}'", task => model.LoadPretrained(tag, progress: new Progress<DownloadProgress>(p =>
            {
                if (task is not null && p.TotalBytes is > 0 and var total)
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = total;
                    task.Value = p.BytesReceived;
                }
            })))
            : progress.Run($"loading {weights.File!.Name}", _ => model.LoadWeights(weights.File!.FullName, weights.Prefix, weights.AliasScheme));

    private static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    private const string NotCounted = "elementwise operations, normalisations, softmax, activations, pooling and resizing not counted";

    private static string GigaMacs(FlopCount count) => count.GigaMacs.ToString(count.GigaMacs < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static string KindName(FlopKind kind) => kind switch
    {
        FlopKind.Convolution => "convolutions",
        FlopKind.TransposedConvolution => "transposed convolutions",
        FlopKind.Linear => "linear layers",
        FlopKind.AttentionMatmul => "attention matmuls",
        FlopKind.RelativePosition => "relative positions",
        FlopKind.BiWkv => "Bi-WKV",
        _ => kind.ToString(),
    };

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
