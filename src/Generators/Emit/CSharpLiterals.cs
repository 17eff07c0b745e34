using System.Globalization;
using System.Linq;
using System.Text;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Emit
{
    internal static class CSharpLiterals
    {
        public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Number(double value)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? text + ".0" : text;
        }

        public static string Boolean(bool value) => value ? "true" : "false";

        public static string String(string value)
        {
            var builder = new StringBuilder("\"");
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': builder.Append("\\\""); break;
                    case '\\': builder.Append("\\\\"); break;
                    case '\n': builder.Append("\\n"); break;
                    case '\r': builder.Append("\\r"); break;
                    case '\t': builder.Append("\\t"); break;
                    default:
                        if (c < ' ' || (c >= '\u007f' && c <= '\u009f') || c == '\u2028' || c == '\u2029')
                            builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            builder.Append(c);
                        break;
                }
            }
            return builder.Append('"').ToString();
        }

        public static string IntegerArray(EquatableArray<long> values) => "new[] { " + string.Join(", ", values.Select(Integer)) + " }";

        public static string StringArray(EquatableArray<string> values) => "new string[] { " + string.Join(", ", values.Select(String)) + " }";

        public static string NumberArray(EquatableArray<double> values) => "new double[] { " + string.Join(", ", values.Select(Number)) + " }";

        /// <summary>Text safe inside an XML doc comment.</summary>
        public static string XmlText(string text) => SingleLine(text
            .Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;"));

        /// <summary>Text safe inside a single-line comment: every character C# takes as a line break becomes a space.</summary>
        public static string SingleLine(string text) => text
            .Replace('\r', ' ').Replace('\n', ' ').Replace('\u0085', ' ').Replace('\u2028', ' ').Replace('\u2029', ' ');

        /// <summary>camelCase or snake_case to PascalCase: imageSize -> ImageSize.</summary>
        public static string Pascal(string name)
        {
            var builder = new StringBuilder();
            var upper = true;
            foreach (var c in name)
            {
                if (c == '_' || c == '-' || c == '$')
                {
                    upper = true;
                    continue;
                }
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return builder.ToString();
        }
    }
}
