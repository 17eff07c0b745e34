using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Families;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// Finds a class name that would capture an identifier of its own generated code (a building block
    /// such as <c>Tensor</c> or <c>Stem</c>, a member such as <c>Features</c>, <c>var</c>): the code is
    /// emitted once more under a probe name and the real class and config record names are looked up
    /// among its identifiers. Conservative by design: a name that appears anywhere is refused.
    /// </summary>
    internal static class CapturedNames
    {
        private const string ProbeName = "ModelGenNameProbe";

        /// <summary>The generated type name that is also an identifier of the generated code, or null.</summary>
        public static string? Find(GenerationUnit unit, IModelFamily family)
        {
            var probe = ModelFileEmitter.Emit(unit with { Header = unit.Header with { Name = ProbeName } }, family);
            return FirstIdentifier(probe, new[] { unit.Header.Name, ConfigRecordEmitter.TypeName(unit.Header) });
        }

        /// <summary>The value of the first identifier token of the code that is one of the names, or null.</summary>
        public static string? FirstIdentifier(string code, string[] names)
        {
            if (!MayHaveIdentifier(code, names))
                return null;
            foreach (var token in SyntaxFactory.ParseTokens(code))
                if (token.IsKind(SyntaxKind.IdentifierToken) && Array.IndexOf(names, token.ValueText) >= 0)
                    return token.ValueText;
            return null;
        }

        /// <summary>
        /// Whether an identifier token of the text could have one of the names as its value. A token's value is its text
        /// without a leading <c>@</c>, with <c>\u</c> / <c>\U</c> escapes decoded and formatting characters left out; so in a
        /// text that holds none of the names, no such escape, no formatting character and no surrogate (checked by char,
        /// conservatively), no token can. Tokenizing is most of the time of this check, and most texts are ruled out here.
        /// </summary>
        private static bool MayHaveIdentifier(string text, string[] names)
        {
            foreach (var name in names)
                if (text.IndexOf(name, StringComparison.Ordinal) >= 0)
                    return true;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\' && i + 1 < text.Length && (text[i + 1] == 'u' || text[i + 1] == 'U'))
                    return true;
                if (c > '\u007f' && (char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
                    return true;
            }
            return false;
        }
    }
}
