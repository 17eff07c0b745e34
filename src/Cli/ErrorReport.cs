using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;

namespace ModelGen.Cli;

/// <summary>Turns whatever a command threw into one line on the error stream and an exit code; the stack trace only when asked.</summary>
internal static class ErrorReport
{
    public static int Write(TextWriter error, Exception exception, bool verbose)
    {
        var (code, message) = exception switch
        {
            UserError user => (user.ExitCode, OneLine(user.Message)),
            WeightsDownloadException download => (ExitCodes.Download, OneLine(download.Message)),
            WeightFileException or WeightLoadException => (ExitCodes.File, OneLine(exception.Message)),
            UnauthorizedAccessException or IOException => (ExitCodes.File, OneLine(exception.Message)),
            // The machine, not a bug: the forward's own check, which names what it needs and what there is.
            InsufficientMemoryException => (ExitCodes.Failure, OneLine(exception.Message)),
            _ => (ExitCodes.Failure, $"unexpected {exception.GetType().Name}: {OneLine(exception.Message)}{(verbose ? "" : " (run with --verbose for the stack trace)")}"),
        };
        error.WriteLine($"modelgen: error: {message}");
        if (verbose)
            error.WriteLine(exception.ToString());
        return code;
    }

    // LibTorch's messages carry their C++ backtrace on further lines.
    private static string OneLine(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : lines[0];
    }
}
