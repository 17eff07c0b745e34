using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Json
{
    /// <summary>
    /// A strict RFC 8259 parser that records the position of every token. It never throws on bad
    /// input: the first error is returned with its location. (System.Text.Json is not used because
    /// loading it inside the compiler is a known trap for analyzers, dotnet/roslyn#41785.)
    /// </summary>
    internal sealed class JsonParser
    {
        public const int MaxDepth = 64;

        private readonly string _path;
        private readonly string _text;
        private readonly List<int> _lineStarts = new List<int> { 0 };
        private int _position;

        private JsonParser(string path, string text)
        {
            _path = path;
            _text = text;
            for (var i = 0; i < text.Length; i++)
                if (text[i] == '\n')
                    _lineStarts.Add(i + 1);
        }

        public static (JsonNode? Root, JsonSyntaxError? Error) Parse(string path, string text)
        {
            var parser = new JsonParser(path, text);
            try
            {
                var start = parser.SkipBom();
                parser._position = start;
                parser.SkipWhitespace();
                if (parser._position >= text.Length)
                    return (null, parser.ErrorAt(parser._position, "the file is empty; a spec is a JSON object"));
                var root = parser.ParseValue(0);
                parser.SkipWhitespace();
                if (parser._position < text.Length)
                    return (null, parser.ErrorAt(parser._position, $"unexpected '{text[parser._position]}' after the end of the JSON value"));
                return (root, null);
            }
            catch (SyntaxException e)
            {
                return (null, e.Error);
            }
        }

        public SourceSpan SpanOf(int start, int end)
        {
            end = Math.Max(start, Math.Min(end, _text.Length));
            var (startLine, startColumn) = LineColumn(start);
            var (endLine, endColumn) = LineColumn(end);
            return new SourceSpan(_path, start, end - start, startLine, startColumn, endLine, endColumn);
        }

        private int SkipBom() => _text.Length > 0 && _text[0] == '\uFEFF' ? 1 : 0;

        private (int Line, int Column) LineColumn(int offset)
        {
            var index = _lineStarts.BinarySearch(offset);
            if (index < 0) index = ~index - 1;
            return (index, offset - _lineStarts[index]);
        }

        private JsonNode ParseValue(int depth)
        {
            if (depth > MaxDepth)
                throw Error(_position, $"the JSON nests deeper than {MaxDepth} levels");
            SkipWhitespace();
            if (_position >= _text.Length)
                throw Error(_position, "unexpected end of file; a value was expected");
            var c = _text[_position];
            switch (c)
            {
                case '{': return ParseObject(depth);
                case '[': return ParseArray(depth);
                case '"':
                    var start = _position;
                    var value = ParseString();
                    return new JsonString(SpanOf(start, _position), value);
                case 't': return ParseLiteral("true", s => new JsonBoolean(s, true));
                case 'f': return ParseLiteral("false", s => new JsonBoolean(s, false));
                case 'n': return ParseLiteral("null", s => new JsonNull(s));
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                        return ParseNumber();
                    throw Error(_position, $"unexpected '{Printable(c)}'; a value (object, array, string, number, true, false or null) was expected");
            }
        }

        private JsonObject ParseObject(int depth)
        {
            var start = _position++;
            var properties = new List<JsonProperty>();
            SkipWhitespace();
            if (Peek() == '}')
            {
                _position++;
                return new JsonObject(SpanOf(start, _position), properties.ToEquatableArray());
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"')
                    throw Error(_position, Peek() == '}' ? "a trailing comma is not allowed in JSON" : "a property name in double quotes was expected");
                var nameStart = _position;
                var name = ParseString();
                var nameSpan = SpanOf(nameStart, _position);
                SkipWhitespace();
                if (Peek() != ':')
                    throw Error(_position, $"':' was expected after the property name \"{name}\"");
                _position++;
                var value = ParseValue(depth + 1);
                properties.Add(new JsonProperty(name, nameSpan, value));
                SkipWhitespace();
                var next = Peek();
                _position++;
                if (next == '}')
                    return new JsonObject(SpanOf(start, _position), properties.ToEquatableArray());
                if (next != ',')
                    throw Error(_position - 1, next == '\0' ? "unexpected end of file; '}' was expected" : $"',' or '}}' was expected, not '{Printable(next)}'");
            }
        }

        private JsonArray ParseArray(int depth)
        {
            var start = _position++;
            var items = new List<JsonNode>();
            SkipWhitespace();
            if (Peek() == ']')
            {
                _position++;
                return new JsonArray(SpanOf(start, _position), items.ToEquatableArray());
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() == ']')
                    throw Error(_position, "a trailing comma is not allowed in JSON");
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                var next = Peek();
                _position++;
                if (next == ']')
                    return new JsonArray(SpanOf(start, _position), items.ToEquatableArray());
                if (next != ',')
                    throw Error(_position - 1, next == '\0' ? "unexpected end of file; ']' was expected" : $"',' or ']' was expected, not '{Printable(next)}'");
            }
        }

        private string ParseString()
        {
            var start = _position++;
            var builder = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                    throw Error(start, "the string is not closed");
                var c = _text[_position++];
                if (c == '"')
                    return builder.ToString();
                if (c < ' ')
                    throw Error(_position - 1, "a control character must be escaped inside a string");
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (_position >= _text.Length)
                    throw Error(start, "the string is not closed");
                var escape = _text[_position++];
                switch (escape)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_position + 4 > _text.Length || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                            throw Error(_position - 2, "'\\u' must be followed by four hexadecimal digits");
                        builder.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        throw Error(_position - 2, $"'\\{Printable(escape)}' is not a JSON escape");
                }
            }
        }

        private JsonNumber ParseNumber()
        {
            var start = _position;
            if (Peek() == '-') _position++;
            if (Peek() == '0')
            {
                _position++;
            }
            else if (IsDigit(Peek()))
            {
                while (IsDigit(Peek())) _position++;
            }
            else
            {
                throw Error(_position, "a digit was expected in the number");
            }

            if (Peek() == '.')
            {
                _position++;
                if (!IsDigit(Peek())) throw Error(_position, "a digit was expected after the decimal point");
                while (IsDigit(Peek())) _position++;
            }

            if (Peek() == 'e' || Peek() == 'E')
            {
                _position++;
                if (Peek() == '+' || Peek() == '-') _position++;
                if (!IsDigit(Peek())) throw Error(_position, "a digit was expected in the exponent");
                while (IsDigit(Peek())) _position++;
            }

            if (IsDigit(Peek()) || char.IsLetter(Peek()))
                throw Error(start, "the number is malformed (JSON numbers have no leading zeros, hex or suffixes)");
            return new JsonNumber(SpanOf(start, _position), _text.Substring(start, _position - start));
        }

        private JsonNode ParseLiteral(string literal, Func<SourceSpan, JsonNode> create)
        {
            var start = _position;
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0)
                throw Error(start, $"unexpected '{Printable(_text[start])}'; strings must be in double quotes");
            _position += literal.Length;
            return create(SpanOf(start, _position));
        }

        private void SkipWhitespace()
        {
            while (_position < _text.Length)
            {
                var c = _text[_position];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                    _position++;
                else if (c == '/' && _position + 1 < _text.Length && (_text[_position + 1] == '/' || _text[_position + 1] == '*'))
                    throw Error(_position, "comments are not allowed in JSON");
                else
                    break;
            }
        }

        private char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        private static string Printable(char c) => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString();

        private JsonSyntaxError ErrorAt(int offset, string message) => new JsonSyntaxError(message, SpanOf(offset, offset + 1));

        private SyntaxException Error(int offset, string message) => new SyntaxException(ErrorAt(offset, message));

        private sealed class SyntaxException : Exception
        {
            public SyntaxException(JsonSyntaxError error) : base(error.Message) => Error = error;

            public JsonSyntaxError Error { get; }
        }
    }
}
