namespace ModelGen.Cli;

/// <summary>The options of <c>run</c>, as parsed and not yet checked (see <see cref="ArgumentChecks"/>).</summary>
/// <param name="Size">The input side in pixels; the variant's native size when null.</param>
/// <param name="Image">A picture to run on; the sample photograph when null (or the pattern, with <paramref name="Pattern"/>).</param>
/// <param name="Weights">What to load before running; random weights when null.</param>
/// <param name="Repeat">Timed forwards after the warm-up forward; 0 for the warm-up only.</param>
/// <param name="Threads">LibTorch's intra-op threads; LibTorch's choice when null.</param>
/// <param name="SaveFeatures">A folder to write the input and every output into as PNGs.</param>
internal sealed record RunOptions(
    string Name,
    int? Size = null,
    FileInfo? Image = null,
    bool Pattern = false,
    WeightsChoice? Weights = null,
    int Repeat = RunOptions.DefaultRepeat,
    int? Threads = null,
    DirectoryInfo? SaveFeatures = null)
{
    public const int DefaultRepeat = 3;
}
