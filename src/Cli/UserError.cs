namespace ModelGen.Cli;

/// <summary>A mistake of the user's that the command found, with the exit code it ends the process with.</summary>
internal sealed class UserError : Exception
{
    private UserError(int exitCode, string message, Exception? inner)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    /// <summary>The command line itself is wrong (<see cref="ExitCodes.Usage"/>).</summary>
    public static UserError Usage(string message) => new(ExitCodes.Usage, message, null);

    /// <summary>A file the command line names cannot be used (<see cref="ExitCodes.File"/>).</summary>
    public static UserError File(string message, Exception? inner = null) => new(ExitCodes.File, message, inner);
}
