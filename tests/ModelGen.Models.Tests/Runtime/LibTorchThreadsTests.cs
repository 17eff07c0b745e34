using System.Runtime.InteropServices;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Runtime;

public sealed partial class LibTorchThreadsTests : IDisposable
{
    private const string Variable = "OMP_WAIT_POLICY";
    private readonly string? _original =
        OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(GetEnvironment(Variable)) : null;

    [Fact]
    public void Once_libtorch_is_loaded_it_leaves_the_environment_alone_and_reports_the_policy_in_effect()
    {
        using var loaded = zeros(1);
        var inEffect = string.Equals(_original, "passive", StringComparison.OrdinalIgnoreCase);

        Assert.Equal(OperatingSystem.IsLinux() && inEffect, LibTorchThreads.SleepWhenIdle());
        Assert.Equal(_original, Marshal.PtrToStringUTF8(GetEnvironment(Variable)));
    }

    [Fact]
    public void Before_libtorch_is_loaded_it_sets_the_passive_policy()
    {
        if (!OperatingSystem.IsLinux())
            return;
        UnsetEnvironment(Variable);

        Assert.True(LibTorchThreads.SleepWhenIdle(libTorchLoaded: false));
        Assert.Equal("PASSIVE", Marshal.PtrToStringUTF8(GetEnvironment(Variable)));
    }

    [Fact]
    public void A_policy_already_in_the_environment_is_kept()
    {
        if (!OperatingSystem.IsLinux())
            return;
        SetEnvironment(Variable, "ACTIVE", 1);

        Assert.False(LibTorchThreads.SleepWhenIdle(libTorchLoaded: false));
        Assert.Equal("ACTIVE", Marshal.PtrToStringUTF8(GetEnvironment(Variable)));
    }

    public void Dispose()
    {
        if (!OperatingSystem.IsLinux())
            return;
        if (_original is null)
            UnsetEnvironment(Variable);
        else
            SetEnvironment(Variable, _original, 1);
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnvironment(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnvironment(string name);
}
