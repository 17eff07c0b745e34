using ModelGen.Models.Backbones;
using ModelGen.Models.Weights;

namespace ModelGen.Cli;

internal static class WeightsCommands
{
    /// <summary>Reads any supported checkpoint into the named backbone (strictly) and writes its weights as safetensors under upstream names.</summary>
    public static int Convert(TextWriter output, TextWriter error, ConvertOptions options)
    {
        if (!ModelZoo.Contains(options.Model))
        {
            error.WriteLine($"modelgen: error: {Unknown(options.Model)}");
            return 1;
        }
        try
        {
            using var model = ModelZoo.Create(options.Model);
            var report = model.LoadWeights(options.Checkpoint.FullName, options.Prefix, options.AliasScheme);
            output.WriteLine(report.ToString());
            model.SaveWeights(options.Output.FullName, options.SavePrefix, options.SaveAliasScheme);
            output.WriteLine($"wrote {model.Module.state_dict().Count} tensors of {model.Name} to {options.Output.FullName}");
            return 0;
        }
        catch (Exception e) when (e is WeightFileException or WeightLoadException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"modelgen: error: {e.Message}");
            return 1;
        }
    }

    private static string Unknown(string name)
    {
        try
        {
            ModelZoo.Describe(name);
            return $"'{name}' is not a registered backbone.";
        }
        catch (KeyNotFoundException e)
        {
            return e.Message;
        }
    }
}
