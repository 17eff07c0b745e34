namespace ModelGen.Cli;

/// <summary><c>convert</c>. User errors are thrown as <see cref="UserError"/> before the model is built.</summary>
internal static class WeightsCommands
{
    /// <summary>Reads any supported checkpoint into the named backbone (strictly) and writes its weights as safetensors under upstream names.</summary>
    public static int Convert(TextWriter output, StepProgress progress, ConvertOptions options)
    {
        var registration = ArgumentChecks.Model(options.Model);
        ArgumentChecks.ExistingFile(options.Checkpoint, "checkpoint");
        ArgumentChecks.AliasScheme(options.AliasScheme, registration, "--alias-scheme");
        ArgumentChecks.AliasScheme(options.SaveAliasScheme, registration, "--save-alias-scheme");
        ArgumentChecks.OutputFile(options.Output, "output");

        using var model = progress.Run($"building {registration.Name}", _ => registration.Factory(null));
        var report = progress.Run($"loading {options.Checkpoint.Name}", _ => model.LoadWeights(options.Checkpoint.FullName, options.Prefix, options.AliasScheme));
        output.WriteLine(report.ToString());
        progress.Run($"writing {options.Output.Name}", _ => model.SaveWeights(options.Output.FullName, options.SavePrefix, options.SaveAliasScheme));
        output.WriteLine($"wrote {model.Module.state_dict().Count} tensors of {model.Name} to {options.Output.FullName}");
        return ExitCodes.Success;
    }
}
