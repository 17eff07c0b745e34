using System.Runtime.InteropServices;
using ModelGen.Models.Runtime;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Runtime;

[Collection(NativeMemorySettingsCollection.Name)]
public sealed partial class TensorMemoryTests
{
    [Fact]
    public void Applies_on_linux_and_sets_libtorchs_huge_page_switch_in_the_c_environment()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(TensorMemory.OptimizeForLargeTensors());
            return;
        }

        Assert.True(TensorMemory.OptimizeForLargeTensors());
        Assert.NotEqual(0, GetEnvironment("THP_MEM_ALLOC_ENABLE"));
        Assert.True(TensorMemory.KeepsFreedMemory);
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvironment(string name);
}
