using System.Text;

namespace ModelGen.Generators.Emit
{
    /// <summary>Builds indented C# source line by line.</summary>
    internal sealed class SourceWriter
    {
        private const string Indentation = "    ";
        private readonly StringBuilder _builder = new StringBuilder();
        private int _depth;

        public SourceWriter Line(string text = "")
        {
            if (text.Length > 0)
            {
                for (var i = 0; i < _depth; i++)
                    _builder.Append(Indentation);
                _builder.Append(text);
            }
            _builder.Append('\n');
            return this;
        }

        public SourceWriter Open(string header)
        {
            Line(header);
            Line("{");
            _depth++;
            return this;
        }

        public SourceWriter Close(string suffix = "")
        {
            _depth--;
            return Line("}" + suffix);
        }

        public SourceWriter Indent()
        {
            _depth++;
            return this;
        }

        public SourceWriter Outdent()
        {
            _depth--;
            return this;
        }

        public override string ToString() => _builder.ToString();
    }
}
