using System.Runtime.InteropServices;
using ModelGen.Models.Runtime;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Runtime;

[Collection(NativeMemorySettingsCollection.Name)]
public sealed partial class TensorMemoryTests
{
    private const string HugePagesVariable = "THP_MEM_ALLOC_ENABLE";

    [Fact]
    public void Applies_on_linux_and_asks_for_huge_pages_only_when_told()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(TensorMemory.OptimizeForLargeTensors());
            return;
        }

        var before = Marshal.PtrToStringUTF8(GetEnvironment(HugePagesVariable));
        Assert.True(TensorMemory.OptimizeForLargeTensors());
        Assert.Equal(before, Marshal.PtrToStringUTF8(GetEnvironment(HugePagesVariable)));
        Assert.True(TensorMemory.KeepsFreedMemory);

        try
        {
            Assert.True(TensorMemory.OptimizeForLargeTensors(hugePages: true));
            // The switch is set unless the environment already had one, which it leaves alone.
            Assert.Equal(before ?? "1", Marshal.PtrToStringUTF8(GetEnvironment(HugePagesVariable)));
        }
        finally
        {
            if (before is null)
                UnsetEnvironment(HugePagesVariable);
        }
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvironment(string name);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnvironment(string name);
}
