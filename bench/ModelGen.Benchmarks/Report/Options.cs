using System.Globalization;

namespace ModelGen.Benchmarks.Report;

/// <summary>The harness commands' <c>--name value</c> options.</summary>
internal static class Options
{
    public static string Text(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    public static string? Text(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public static int Whole(string[] args, string name, int fallback) =>
        Text(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public static bool Flag(string[] args, string name) => args.Contains(name);
}
