using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Diagnostics
{
    /// <summary>Collects the diagnostics of one spec while it is resolved and validated.</summary>
    internal sealed class DiagnosticBag
    {
        private readonly List<DiagnosticInfo> _items = new List<DiagnosticInfo>();

        public bool HasErrors { get; private set; }

        public void Add(DiagnosticDescriptor descriptor, SourceSpan span, string message)
        {
            _items.Add(DiagnosticInfo.Create(descriptor, span, message));
            HasErrors |= descriptor.DefaultSeverity == DiagnosticSeverity.Error;
        }

        public EquatableArray<DiagnosticInfo> ToEquatableArray() => _items.ToEquatableArray();
    }
}
