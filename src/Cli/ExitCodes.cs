namespace ModelGen.Cli;

/// <summary>The process exit codes of <c>modelgen</c>, as docs/errors.md lists them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed that the user could not have prevented: a bug, or the machine (e.g. out of memory).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown command, option, model, tag or alias scheme, a value out of range, or options that conflict.</summary>
    public const int Usage = 2;

    /// <summary>A file named on the command line is missing, unreadable or not what it should be, or an output cannot be written.</summary>
    public const int File = 3;

    /// <summary>Pretrained weights could not be had: offline, an HTTP error, or a file whose hash does not match.</summary>
    public const int Download = 4;

    /// <summary>Ctrl-C stopped a long command after it saved its state (<c>distill</c>: a checkpoint to <c>--resume</c> from); 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
