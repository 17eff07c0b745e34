// Two classes of one name in two namespaces, standing for same-named variants of two assemblies.
namespace ModelGen.Models.Tests.Backbones.FirstAssembly
{
    internal sealed class Twin;
}

namespace ModelGen.Models.Tests.Backbones.SecondAssembly
{
    internal sealed class Twin;
}
