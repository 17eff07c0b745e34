using System.Text;
using System.Text.RegularExpressions;

namespace ModelGen.Generators.Tests.Testing;

/// <summary>Text mutations of a JSON spec, each driven only by the given <see cref="Random"/>.</summary>
internal static partial class SpecMutator
{
    public static readonly string[] InterestingNumbers =
    [
        "0", "-0", "1", "2", "3", "7", "-1", "-4", "0.5", "1.5", "-0.0", "1e2", "1E+2", "1e-7", "4.9e-324", "1e-400",
        "1e309", "-1e309", "16", "32", "64", "1023", "1024", "1025", "16384", "65536", "65537", "1048576",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "99999999999999999999", "123456789012345678901234567890.5",
    ];

    public static readonly string[] OddText =
    [
        "\uD800", "\uDC00", "\uDBFF\uDFFF", "\uDFFF\uD800", "\uFEFF", "\u2028", "\u2029", "\u0085", "\0", "\u200F", "\u202E",
        "\u00A0", "\u3000", "\uFFFE", "\uFFFF", "\U0001F600", "\u0301", "é", "\r", "\t", "\u000B", "\f",
        "\\uD800", "\\udc00", "\\u0000", "\\u2028", "\\u202e", "\\uFEFF", "\\\"", "\\\\", "\\/", "\\n", "\\x41", "\\u12",
        "*/", "/*", "<summary>", "&amp;", "\"", "'", "{{", "}}", "$\"", "#if", "@",
    ];

    private static readonly string[] Values =
    [
        "\"768\"", "768", "true", "false", "null", "[]", "{}", "[1, 2]", "[[1]]", "{\"depth\": 2}", "1.5", "\"\"", "\"quick_gelu\"",
        "\"sam-vit\"", "\"vitamin\"", "[2, 5, 8, 11]", "[1024, 1024]", "[3, 4, 6, 3]", "\"a.model.json\"", "{\"mlpRatio\": 2}",
    ];

    private static readonly string[] Keys =
    [
        "name", "family", "namespace", "description", "extends", "abstract", "$schema", "imageSize", "patchSize", "embedDim", "depth",
        "numHeads", "windowSize", "globalAttnIndexes", "layers", "width", "heads", "outputDim", "act", "attnCfg", "modelVariant",
        "attnType", "embedDims", "depths", "stemWidth", "mlpRatio", "lsInitValue", "mlp_ratio", "Name", "",
    ];

    private const string Punctuation = "{}[],:\"\\";

    public static string Mutate(Random random, string text) => random.Next(13) switch
    {
        0 => FlipChar(random, text),
        1 => Delete(random, text),
        2 => Insert(random, text, new string(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Punctuation[random.Next(Punctuation.Length)]).ToArray())),
        3 => text[..random.Next(text.Length + 1)],
        4 => DuplicateKey(random, text),
        5 => ReplaceValue(random, text, Values[random.Next(Values.Length)]),
        6 => ReplaceNumber(random, text, InterestingNumbers[random.Next(InterestingNumbers.Length)]),
        7 => ReplaceNumber(random, text, random.Next(-2, 40).ToString()),
        8 => ReplaceValue(random, text, DeepNesting(random)),
        9 => Insert(random, text, OddText[random.Next(OddText.Length)]),
        10 => InsertIntoString(random, text, OddText[random.Next(OddText.Length)]),
        11 => AddProperty(random, text),
        _ => SwapSlices(random, text),
    };

    /// <summary>Nested arrays or objects around a value, from just inside to far beyond the parser's depth limit.</summary>
    public static string DeepNesting(Random random)
    {
        int[] depths = [2, 62, 63, 64, 65, 66, 100, 1000, 20000];
        var depth = depths[random.Next(depths.Length)];
        var closed = random.Next(4) != 0;
        var builder = new StringBuilder();
        var arrays = random.Next(2) == 0;
        for (var i = 0; i < depth; i++)
            builder.Append(arrays ? "[" : "{\"a\":");
        builder.Append('1');
        if (closed)
            builder.Append(arrays ? ']' : '}', depth);
        return builder.ToString();
    }

    public static string RandomText(Random random)
    {
        var length = random.Next(0, 200);
        switch (random.Next(3))
        {
            case 0:
                var bytes = new byte[length];
                random.NextBytes(bytes);
                return Encoding.UTF8.GetString(bytes);
            case 1:
                return new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x10000)).ToArray());
            default:
                string[] tokens = ["{", "}", "[", "]", ",", ":", "\"name\"", "\"family\"", "\"sam-vit\"", "\"x\"", "1", "-1", "true", "null", " ", "\n"];
                return string.Concat(Enumerable.Range(0, length).Select(_ => tokens[random.Next(tokens.Length)]));
        }
    }

    private static string FlipChar(Random random, string text)
    {
        if (text.Length == 0)
            return text;
        var position = random.Next(text.Length);
        var replacement = random.Next(3) == 0 ? OddText[random.Next(OddText.Length)] : ((char)random.Next(32, 127)).ToString();
        return text[..position] + replacement + text[(position + 1)..];
    }

    private static string Delete(Random random, string text)
    {
        if (text.Length == 0)
            return text;
        var start = random.Next(text.Length);
        var length = Math.Min(text.Length - start, random.Next(1, 17));
        return text.Remove(start, length);
    }

    private static string Insert(Random random, string text, string insertion) => text.Insert(random.Next(text.Length + 1), insertion);

    /// <summary>Gives a property of the spec a second time, just before its first occurrence.</summary>
    private static string DuplicateKey(Random random, string text)
    {
        var names = PropertyName().Matches(text);
        if (names.Count == 0)
            return text;
        var name = names[random.Next(names.Count)];
        return text.Insert(name.Index, $"{name.Value} {Values[random.Next(Values.Length)]}, ");
    }

    private static string AddProperty(Random random, string text)
    {
        var brace = text.IndexOf('{');
        if (brace < 0)
            return text;
        var value = random.Next(2) == 0 ? Values[random.Next(Values.Length)] : InterestingNumbers[random.Next(InterestingNumbers.Length)];
        return text.Insert(brace + 1, $"\"{Keys[random.Next(Keys.Length)]}\": {value},");
    }

    /// <summary>Replaces the value of a random property (string, number, literal, array or object) with another.</summary>
    private static string ReplaceValue(Random random, string text, string value)
    {
        var names = PropertyName().Matches(text);
        if (names.Count == 0)
            return value;
        var name = names[random.Next(names.Count)];
        var start = name.Index + name.Length;
        while (start < text.Length && char.IsWhiteSpace(text[start]))
            start++;
        return text[..start] + value + text[ValueEnd(text, start)..];
    }

    private static string ReplaceNumber(Random random, string text, string number)
    {
        var numbers = NumberToken().Matches(text);
        if (numbers.Count == 0)
            return text;
        var match = numbers[random.Next(numbers.Count)];
        return text[..match.Index] + number + text[(match.Index + match.Length)..];
    }

    private static string InsertIntoString(Random random, string text, string insertion)
    {
        var strings = StringToken().Matches(text);
        if (strings.Count == 0)
            return text;
        var match = strings[random.Next(strings.Count)];
        return text.Insert(match.Index + 1 + random.Next(match.Length - 1), insertion);
    }

    private static string SwapSlices(Random random, string text)
    {
        if (text.Length < 2)
            return text;
        var a = random.Next(text.Length);
        var b = random.Next(text.Length);
        var length = Math.Min(random.Next(1, 12), Math.Min(text.Length - a, text.Length - b));
        var chars = text.ToCharArray();
        for (var i = 0; i < length; i++)
            (chars[a + i], chars[b + i]) = (text[b + i], text[a + i]);
        return new string(chars);
    }

    /// <summary>The end of the JSON value starting at <paramref name="start"/>, skipping strings and balancing brackets.</summary>
    private static int ValueEnd(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                if (!inString && depth == 0) return i + 1;
                continue;
            }
            switch (c)
            {
                case '"': inString = true; break;
                case '[' or '{': depth++; break;
                case ']' or '}':
                    if (depth == 0) return i;
                    if (--depth == 0) return i + 1;
                    break;
                case ',' when depth == 0: return i;
            }
        }
        return text.Length;
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"\\s*:")]
    private static partial Regex PropertyName();

    [GeneratedRegex("-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?")]
    private static partial Regex NumberToken();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringToken();
}
