namespace ModelGen.Models.Runtime;

/// <summary>
/// LibTorch's intra-op threads are an OpenMP team, and by default OpenMP threads busy-wait after every parallel op
/// before they sleep (libgomp: 300,000 spins). Work that .NET threads do right after a LibTorch op then shares its
/// cores with a spinning thread. On this project's 2-core VM a Bi-WKV forward and backward in autograd took 1.6x as
/// long with the default policy as with the passive one while its kernels ran on the .NET thread pool
/// (bench/README.md); they now run on the team itself (<see cref="LibTorchTeam"/>).
/// </summary>
public static class LibTorchThreads
{
    private const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    private const string Passive = "PASSIVE";

    /// <summary>
    /// Asks LibTorch's OpenMP threads to sleep as soon as they are idle (<c>OMP_WAIT_POLICY=PASSIVE</c>). OpenMP reads
    /// the variable once, when LibTorch is loaded, so call this before the first TorchSharp call. A policy already in
    /// the environment is kept. Process-wide, hence opt-in: the benchmarks call it when asked to.
    /// </summary>
    /// <returns>
    /// Whether the passive policy is in effect: false where LibTorch was loaded before without it, where the
    /// environment asks for another policy, where that cannot be told (no /proc, no C library), and on systems other
    /// than Linux.
    /// </returns>
    public static bool SleepWhenIdle()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            return SleepWhenIdle(IsLibTorchLoaded());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException
                                      or EntryPointNotFoundException)
        {
            return false;
        }
    }

    internal static bool SleepWhenIdle(bool libTorchLoaded)
    {
        if (!libTorchLoaded)
            LibC.SetEnvironment(WaitPolicyVariable, Passive, overwrite: 0);
        return string.Equals(LibC.GetEnvironment(WaitPolicyVariable), Passive, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLibTorchLoaded() => MappedLibraries.Paths().Any(MappedLibraries.IsLibTorch);
}
