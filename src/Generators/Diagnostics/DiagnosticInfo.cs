using Microsoft.CodeAnalysis;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Diagnostics
{
    /// <summary>An equatable diagnostic that can travel through the incremental pipeline.</summary>
    internal sealed record DiagnosticInfo(string Id, string Message, SourceSpan Span)
    {
        public Diagnostic ToDiagnostic() => Diagnostic.Create(DiagnosticDescriptors.ById(Id), Span.ToLocation(), Message);

        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SourceSpan span, string message) =>
            new DiagnosticInfo(descriptor.Id, message, span);
    }
}
