// Lets records and init-only setters compile for netstandard2.0, which the compiler loads analyzers as.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
