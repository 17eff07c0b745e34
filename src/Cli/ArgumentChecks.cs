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
    /// The input side: the variant's native size by default, else a multiple of its coarsest output's stride
    /// (so every output covers the input exactly) between that stride and <see cref="MaxSize"/>.
    /// </summary>
    public static int Size(int? size, ModelRegistration registration)
    {
        if (size is not int side)
            return NativeSize(registration);
        var multiple = SizeMultiple(registration);
        if (side >= multiple && side <= MaxSize && side % multiple == 0)
            return side;
        var below = side / multiple * multiple;
        var candidates = new[] { below, below + multiple }.Where(c => c >= multiple && c <= MaxSize).ToArray();
        var hint = candidates.Length == 0 ? "" : $" (try {string.Join(" or ", candidates)})";
        throw UserError.Usage($"--size must be a multiple of {multiple} (the stride of {registration.Name}'s coarsest output) from {multiple} to {MaxSize}; got {side}{hint}.");
    }

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
        var known = MetaModel.Inspect(registration, model => model.CheckpointLayout.AliasSchemes.Select(s => s.Name).ToArray());
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

    public static int NativeSize(ModelRegistration registration) =>
        registration.Config.GetType().GetProperty("ImageSize")?.GetValue(registration.Config) switch
        {
            int side => side,
            IReadOnlyList<int> { Count: > 0 } sides => sides[0],
            _ => throw UserError.Usage($"{registration.Name} has no native image size; give --size."),
        };

    public static int SizeMultiple(ModelRegistration registration) =>
        (int)Math.Ceiling(registration.FeatureInfo.Max(f => f.Reduction));
}
