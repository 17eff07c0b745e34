using ModelGen.Models.Backbones;

namespace ModelGen.Cli;

/// <summary>Checks the command line against the chosen variant before anything is built, so every mistake is one <see cref="UserError"/>.</summary>
internal static class ArgumentChecks
{
    /// <summary>The largest input side <c>--size</c> accepts: beyond it the larger variants' activations outgrow a CPU machine's memory.</summary>
    public const int MaxSize = 2048;

    /// <summary>The most intra-op threads <c>--threads</c> accepts.</summary>
    public const int MaxThreads = 256;

    public static ModelRegistration Model(string name)
    {
        try
        {
            return ModelZoo.Describe(name);
        }
        catch (KeyNotFoundException e)
        {
            throw UserError.Usage(e.Message);
        }
    }

    /// <summary>
    /// The input side: the variant's native size by default, else a side its forward uses whole
    /// (<see cref="InputSizeRule.AcceptsSide"/>, the library's rule for its family) of at most <see cref="MaxSize"/>.
    /// </summary>
    public static int Size(int? size, ModelRegistration registration)
    {
        if (size is not int side)
            return NativeSize(registration);
        var rule = registration.InputSizes;
        if (rule.AcceptsSide(side) && side <= MaxSize)
            return side;
        var nearest = rule.NearestSides(side, MaxSize);
        var hint = nearest.Count == 0 ? "" : $" (try {string.Join(" or ", nearest)})";
        throw UserError.Usage($"--size: {registration.Name} takes {SizeRange(rule)}; got {side}{hint}.");
    }

    /// <summary>What <c>--size</c> takes for a variant, e.g. "multiples of 16 from 16 to 2048".</summary>
    public static string SizeRange(InputSizeRule rule) => rule.Multiple == 1
        ? $"sides from {rule.Minimum} to {MaxSize}"
        : $"multiples of {rule.Multiple} from {rule.Smallest} to {MaxSize}";

    public static void Threads(int? threads)
    {
        if (threads is int count && count is < 1 or > MaxThreads)
            throw UserError.Usage($"--threads must be from 1 to {MaxThreads}; got {count}.");
    }

    public static void Repeat(int repeat)
    {
        if (repeat < 0)
            throw UserError.Usage($"--repeat must be 0 (the warm-up forward only) or more; got {repeat}.");
    }

    /// <summary>Null when no weights are asked for; otherwise the choice, with its tag declared, its file present and its alias scheme known.</summary>
    public static WeightsChoice? Weights(WeightsChoice? choice, ModelRegistration registration)
    {
        if (choice is null || choice.IsEmpty)
            return null;
        if (choice.Pretrained is not null && choice.File is not null)
            throw UserError.Usage("give --pretrained or --weights, not both.");
        if (choice.File is null && (choice.Prefix is not null || choice.AliasScheme is not null))
            throw UserError.Usage(choice.Pretrained is null
                ? "--prefix and --alias-scheme apply to --weights; give the file too."
                : "--prefix and --alias-scheme apply to --weights; a pretrained source declares its own.");
        if (choice.Pretrained is { } tag && !registration.Pretrained.ContainsKey(tag))
            throw UserError.Usage(registration.Pretrained.Count == 0
                ? $"--pretrained: {registration.Name} declares no pretrained weights; load a file with --weights."
                : $"--pretrained: {registration.Name} has no weights tagged '{tag}'; its tags are {string.Join(", ", registration.Pretrained.Keys.Select(k => $"'{k}'"))}.");
        if (choice.File is { } file)
            ExistingFile(file, "--weights");
        AliasScheme(choice.AliasScheme, registration, "--alias-scheme");
        return choice;
    }

    public static void AliasScheme(string? scheme, ModelRegistration registration, string option)
    {
        if (scheme is null)
            return;
        var known = MetaBuild.Inspect(registration, model => model.CheckpointLayout.AliasSchemes.Select(s => s.Name).ToArray());
        if (!known.Contains(scheme, StringComparer.Ordinal))
            throw UserError.Usage(known.Length == 0
                ? $"{option}: {registration.Name} has no alias schemes; its weights use its own names."
                : $"{option}: {registration.Name} has no alias scheme '{scheme}'; it knows {string.Join(", ", known.Select(k => $"'{k}'"))}.");
    }

    public static void ExistingFile(FileInfo file, string option)
    {
        if (Directory.Exists(file.FullName))
            throw UserError.File($"{option}: {file.FullName} is a directory, not a file.");
        if (!file.Exists)
            throw UserError.File($"{option}: {file.FullName} does not exist.");
    }

    /// <summary>A path a file can be written to: not a directory, and inside a folder that exists or can be made.</summary>
    public static void OutputFile(FileInfo file, string option)
    {
        if (Directory.Exists(file.FullName))
            throw UserError.File($"{option}: {file.FullName} is a directory; give the path of a file to write.");
        OutputFolder(file.Directory!, option);
    }

    /// <summary>Makes the folder (and its parents) so that a failure shows before any model is built.</summary>
    public static void OutputFolder(DirectoryInfo folder, string option)
    {
        if (File.Exists(folder.FullName))
            throw UserError.File($"{option}: {folder.FullName} is a file, not a folder.");
        try
        {
            folder.Create();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserError.File($"{option}: cannot create {folder.FullName}: {e.Message}", e);
        }
    }

    /// <summary>The square side the CLI runs at by default: the longer native side.</summary>
    public static int NativeSize(ModelRegistration registration) =>
        Math.Max(registration.InputSizes.NativeHeight, registration.InputSizes.NativeWidth);
}
