using System.Text.Json;
using ModelGen.Models.IO;

namespace ModelGen.Training.Sessions;

/// <summary>
/// What a run's data order and schedule depend on, kept as <c>session.json</c> in its output folder: a resume under
/// other settings would not continue the same run, so it is refused. The maximum iterations may change (they end a run
/// earlier or later without changing its steps).
/// </summary>
internal sealed record SessionSettings(string Composition, int Images, int BatchSize, int Epochs, double LearningRate, int WarmupIterations, int Seed, string DType, string Optimizer, string TeacherWeights)
{
    /// <summary>The recipe's optimizer and schedule values the other settings do not hold.</summary>
    public static string Describe(Compositions.DistillationRecipe recipe) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"weight decay {recipe.WeightDecay}, norm decay mult {recipe.NormDecayMult}, betas ({recipe.Beta1}, {recipe.Beta2}), eps {recipe.Eps}, max grad norm {recipe.MaxGradNorm?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, warm-up factor {recipe.WarmupStartFactor}, eta min ratio {recipe.EtaMinRatio}, base batch size {recipe.BaseBatchSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");

    public const string FileName = "session.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <returns>The settings recorded in <paramref name="folder"/>, or null when it has none.</returns>
    /// <exception cref="FormatException">The file is not a session's settings.</exception>
    public static SessionSettings? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<SessionSettings>(File.ReadAllText(path), Json)
                ?? throw new FormatException($"{path} is not a session's settings: it holds null.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path} is not a session's settings: {e.Message}", e);
        }
    }

    /// <summary>Each setting that differs from <paramref name="other"/>'s, as "name: this, other".</summary>
    public IReadOnlyList<string> Differences(SessionSettings other)
    {
        var differences = new List<string>();
        void Compare<T>(string name, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
                differences.Add($"{name} {mine} in the run, {theirs} now");
        }
        Compare("composition", Composition, other.Composition);
        Compare("images", Images, other.Images);
        Compare("batch size", BatchSize, other.BatchSize);
        Compare("epochs", Epochs, other.Epochs);
        Compare("learning rate", LearningRate, other.LearningRate);
        Compare("warm-up", WarmupIterations, other.WarmupIterations);
        Compare("seed", Seed, other.Seed);
        Compare("dtype", DType, other.DType);
        Compare("optimizer", $"'{Optimizer}'", $"'{other.Optimizer}'");
        Compare("teacher weights", $"'{TeacherWeights}'", $"'{other.TeacherWeights}'");
        return differences;
    }
}
