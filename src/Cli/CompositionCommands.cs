using System.Globalization;
using ModelGen.Models.Backbones;
using ModelGen.Training.Compositions;

namespace ModelGen.Cli;

/// <summary>What <c>list</c> and <c>describe</c> say of the registered distillation compositions, read from parts built on the meta device.</summary>
internal static class CompositionCommands
{
    public static void List(TextWriter output)
    {
        if (DistillationZoo.All.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine($"{"composition",-30} {"parameters",13} {"trainable",13}  teacher -> student (see 'describe', 'dump', 'distill')");
        foreach (var registration in DistillationZoo.All)
        {
            var (parameters, trainable) = Counts(registration);
            output.WriteLine($"{registration.Name,-30} {Count(parameters),13} {Count(trainable),13}  {Parts(registration.Spec)}");
        }
    }

    public static int Describe(TextWriter output, DistillationRegistration registration)
    {
        var spec = registration.Spec;
        output.WriteLine($"{registration.Name} (distillation{(spec.UpstreamConfig.Length == 0 ? "" : $", upstream {spec.UpstreamConfig}")})");
        if (spec.Description.Length > 0)
            output.WriteLine(spec.Description);
        output.WriteLine("parts:");
        foreach (var (role, part) in new[] { ("teacher", spec.Teacher), ("teacher neck", spec.TeacherNeck), ("student", spec.Student), ("student neck", spec.StudentNeck) })
            output.WriteLine($"  {role,-13} {part.Type.Name,-26} {part.Prefix,-18} {Part(part)}");
        output.WriteLine($"loss: MSE ({spec.Loss.Reduction}), weight {Number(spec.Loss.Weight)}");
        output.WriteLine($"input: {spec.Input.Height}x{spec.Input.Width}, long side resized, {spec.Input.Preprocessing}, padded with {Number(spec.Input.PadValue)}");
        output.WriteLine($"teacher features: {(spec.UseCache ? $"dumped once and read back (use_cache; cache files <stem>_{spec.TeacherModelName}_cache.*)" : "computed on every batch")}");
        var recipe = spec.Recipe;
        output.WriteLine($"recipe: AdamW lr {Number(recipe.LearningRate)}, weight decay {Number(recipe.WeightDecay)} (x{Number(recipe.NormDecayMult)} on norms), betas ({Number(recipe.Beta1)}, {Number(recipe.Beta2)}), eps {Number(recipe.Eps)}, "
            + $"clip {(recipe.MaxGradNorm is { } norm ? Number(norm) : "none")}; warm-up {recipe.WarmupIterations} iterations from x{Number(recipe.WarmupStartFactor)}, cosine over {recipe.Epochs} epochs to x{Number(recipe.EtaMinRatio)}; "
            + $"batch {recipe.BatchSize}{(recipe.BaseBatchSize is { } baseBatch ? $", learning rate scaled against a batch of {baseBatch}" : "")}");
        var (parameters, trainable) = Counts(registration);
        output.WriteLine($"parameters: {Count(parameters)}, of which {Count(trainable)} train");
        return ExitCodes.Success;
    }

    private static (long Parameters, long Trainable) Counts(DistillationRegistration registration) => MetaBuild.Inspect(
        () => registration.Factory(true),
        composition => (composition.Model.parameters().Sum(p => p.numel()), composition.TrainableParameters.Sum(p => p.Parameter.numel())));

    private static string Parts(DistillationSpec spec) =>
        $"{spec.Teacher.Type.Name} + {spec.TeacherNeck.Type.Name} -> {spec.Student.Type.Name}{(spec.Student.Fix ? " (fixed)" : "")} + {spec.StudentNeck.Type.Name}";

    private static string Part(DistillationPart part)
    {
        var notes = new List<string> { part.Fix ? "fixed" : "trains" };
        if (part.FixLayers is { } layers)
            notes.Add($"first {layers} stages fixed");
        if (part.AliasScheme is { } scheme)
            notes.Add($"names through '{scheme}'");
        if (part.Pretrained is { } tag)
            notes.Add($"pretrained '{tag}'");
        if (part.CheckpointPrefix is { } prefix)
            notes.Add($"initial checkpoint under '{prefix}'");
        return string.Join(", ", notes);
    }

    private static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
