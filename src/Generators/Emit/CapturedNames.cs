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
            var ours = new[] { unit.Header.Name, ConfigRecordEmitter.TypeName(unit.Header) };
            var probe = ModelFileEmitter.Emit(unit with { Header = unit.Header with { Name = ProbeName } }, family);
            foreach (var token in SyntaxFactory.ParseTokens(probe))
                if (token.IsKind(SyntaxKind.IdentifierToken) && System.Array.IndexOf(ours, token.ValueText) >= 0)
                    return token.ValueText;
            return null;
        }
    }
}
