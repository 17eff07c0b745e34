using System.Reflection;
using System.Text.RegularExpressions;

namespace ModelGen.Cli.Tests;

/// <summary>docs/errors.md names every exit code, every kind of user error, every exception type the CLI and the libraries throw, and every fixed CLI message.</summary>
public sealed partial class ErrorsDocumentationTests
{
    /// <summary>Exception types thrown only to be caught inside the library, which never reach a caller.</summary>
    private static readonly string[] CaughtInside =
    [
        "EndOfStreamException", // TorchArchive: wrapped into a WeightFileException naming the truncated record
    ];

    private static readonly string Root = FindRoot();

    private static readonly string Errors = File.ReadAllText(Path.Combine(Root, "docs", "errors.md"));

    [Fact]
    public void Every_exit_code_has_a_row()
    {
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetRawConstantValue()!).ToArray();
        Assert.Equal(6, codes.Length);
        foreach (var code in codes)
            Assert.Matches($@"(?m)^\| {code} \| \S", Errors);
    }

    [Fact]
    public void Every_kind_of_user_error_has_a_section_with_its_exit_code()
    {
        var kinds = typeof(UserError).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(UserError)).ToArray();
        Assert.Equal(["File", "Usage"], kinds.Select(k => k.Name).Order());
        foreach (var kind in kinds)
        {
            var error = (UserError)kind.Invoke(null, kind.GetParameters().Select(p => p.ParameterType == typeof(string) ? "m" : null).ToArray())!;
            Assert.Matches($@"(?m)^### {kind.Name} errors \(exit code {error.ExitCode}\)$", Errors);
        }
    }

    [Fact]
    public void Every_exception_type_thrown_by_the_cli_and_the_library_is_documented()
    {
        var thrown = SourceFiles().SelectMany(file => ThrownType().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Distinct().Except(CaughtInside).Order().ToArray();
        Assert.Contains("WeightFileException", thrown);
        var missing = thrown.Where(type => !Errors.Contains($"`{type}`", StringComparison.Ordinal)
                                          // UserError is the CLI's own: documented by its messages and exit codes.
                                          && type != "UserError").ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_fixed_cli_message_is_documented()
    {
        var messages = SourceFiles().Where(f => f.Contains($"{Path.DirectorySeparatorChar}Cli{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => UserErrorCall().Matches(File.ReadAllText(file)))
            .SelectMany(call => StringLiteral().Matches(call.Value).Select(m => m.Groups[1].Value))
            // Fragments after an interpolation's nested literal (", " of a string.Join) are not a message's start.
            .Select(Fixed).Where(prefix => prefix.Length >= 8 && (char.IsLetter(prefix[0]) || prefix[0] is '-' or '\'')).Distinct().ToArray();
        Assert.True(messages.Length >= 6, string.Join(" | ", messages));
        var undocumented = messages.Where(prefix => !Errors.Contains(prefix, StringComparison.Ordinal)).ToArray();
        Assert.Empty(undocumented);
    }

    /// <summary>The text of a message up to its first interpolation.</summary>
    private static string Fixed(string literal) => literal.Split('{')[0].Trim();

    private static IEnumerable<string> SourceFiles() =>
        new[] { "Models", "Training", "Cli" }.SelectMany(project => Directory.EnumerateFiles(Path.Combine(Root, "src", project), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException("No ModelGen.sln above the test binaries.");
    }

    [GeneratedRegex(@"throw new (\w+Exception)\b")]
    private static partial Regex ThrownType();

    /// <summary>A <c>UserError.Usage(...)</c> / <c>UserError.File(...)</c> call, to the end of its statement.</summary>
    [GeneratedRegex(@"UserError\.(?:Usage|File)\((?:.|\n)*?\);")]
    private static partial Regex UserErrorCall();

    [GeneratedRegex(@"\$?""([^""]*)""")]
    private static partial Regex StringLiteral();
}
