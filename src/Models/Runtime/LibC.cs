using System.Runtime.InteropServices;

namespace ModelGen.Models.Runtime;

/// <summary>
/// The C library calls that tune LibTorch's process. .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not reach the C environment that native libraries read, hence <c>setenv</c> and <c>getenv</c>.
/// </summary>
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "mallopt")]
    public static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvironmentPointer(string name);

    public static string? GetEnvironment(string name) => Marshal.PtrToStringUTF8(GetEnvironmentPointer(name));
}
