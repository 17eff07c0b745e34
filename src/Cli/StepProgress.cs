using Spectre.Console;

namespace ModelGen.Cli;

/// <summary>
/// Shows the long steps of a command (building a model, loading weights, repeated forwards) as Spectre.Console
/// progress bars on the error stream, so the output stays plain text. Silent when the error stream is not a
/// terminal, and in tests.
/// </summary>
internal sealed class StepProgress
{
    private readonly IAnsiConsole? _console;

    private StepProgress(IAnsiConsole? console)
    {
        _console = console;
    }

    public static StepProgress None { get; } = new(null);

    public static StepProgress OnStandardError() => Console.IsErrorRedirected
        ? None
        : new(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    public void Run(string description, Action<ProgressTask?> step) => Run(description, task =>
    {
        step(task);
        return true;
    });

    /// <summary>
    /// Runs <paramref name="step"/> under a bar labelled <paramref name="description"/>. The task starts indeterminate; a step
    /// that knows its length makes it determinate and advances it. The task
    /// is null when nothing is shown.
    /// </summary>
    public T Run<T>(string description, Func<ProgressTask?, T> step)
    {
        if (_console is null)
            return step(null);
        return _console.Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description));
                task.IsIndeterminate = true;
                var result = step(task);
                task.StopTask();
                return result;
            });
    }
}
