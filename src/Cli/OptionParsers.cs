using System.CommandLine.Parsing;
using System.Globalization;

namespace ModelGen.Cli;

/// <summary>
/// Parsers of numeric option values that name the option in their error, as one line, instead of System.CommandLine's
/// message, which names the CLR type.
/// </summary>
internal static class OptionParsers
{
    public static int? WholeNumber(ArgumentResult result)
    {
        var token = result.Tokens.Single().Value;
        if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        result.AddError($"{((OptionResult)result.Parent!).Option.Name} takes a whole number; got '{token}'.");
        return null;
    }

    public static double? Number(ArgumentResult result)
    {
        var token = result.Tokens.Single().Value;
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return value;
        result.AddError($"{((OptionResult)result.Parent!).Option.Name} takes a number, e.g. 1e-4; got '{token}'.");
        return null;
    }
}
