using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Models.Runtime;

/// <summary>
/// Runs a parallel loop on LibTorch's own intra-op threads: the OpenMP team of the libgomp that LibTorch loaded,
/// entered through <c>GOMP_parallel</c>. After every parallel LibTorch op those threads busy-wait for the next one
/// (<see cref="LibTorchThreads"/>); .NET thread-pool work started then shares its cores with them, while work handed to
/// the team runs on the waiting threads themselves. Where no libgomp is loaded (other systems, other OpenMP runtimes),
/// the loop runs on the .NET thread pool.
/// </summary>
internal static unsafe class LibTorchTeam
{
    private static OpenMp? _openMp;
    private static bool _searched;

    /// <summary>Whether loops run on LibTorch's OpenMP team (false: on the .NET thread pool).</summary>
    public static bool UsesOpenMp => Find() is not null;

    /// <summary>
    /// Calls <paramref name="body"/> for every index in [0, <paramref name="count"/>), spread over at most
    /// <paramref name="threads"/> threads, each with its own <typeparamref name="TLocal"/> from
    /// <paramref name="initialize"/>, handed back to <paramref name="release"/> when the thread has no more work. The
    /// first exception thrown by any of them is rethrown once all threads have stopped.
    /// </summary>
    public static void For<TLocal>(int count, int threads, Func<TLocal> initialize, Action<int, TLocal> body,
        Action<TLocal> release)
    {
        if (count <= 0)
            return;
        var openMp = Find();
        if (openMp is null)
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, initialize,
                (index, _, local) =>
                {
                    body(index, local);
                    return local;
                }, release);
            return;
        }

        var job = new Job<TLocal>(count, initialize, body, release);
        var handle = GCHandle.Alloc(job);
        try
        {
            openMp.Parallel(&RunJob, (void*)GCHandle.ToIntPtr(handle), (uint)Math.Clamp(threads, 1, count));
        }
        finally
        {
            handle.Free();
        }
        job.RethrowFirstError();
    }

    /// <summary>The search is final once LibTorch is loaded: its OpenMP runtime, if any, is loaded with it.</summary>
    private static OpenMp? Find()
    {
        if (Volatile.Read(ref _searched))
            return _openMp;
        var (openMp, final) = OpenMp.FindLoaded();
        _openMp = openMp;
        // Published after the runtime it describes; threads racing here find the same one.
        Volatile.Write(ref _searched, final);
        return openMp;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void RunJob(void* data) => ((IJob)GCHandle.FromIntPtr((nint)data).Target!).Run();

    private interface IJob
    {
        /// <summary>Runs on every thread of the team; must not throw (it returns into native code).</summary>
        void Run();
    }

    /// <summary>Indices are taken one at a time from a shared counter, so a thread slowed down does less of them.</summary>
    private sealed class Job<TLocal>(int count, Func<TLocal> initialize, Action<int, TLocal> body,
        Action<TLocal> release) : IJob
    {
        private int _next = -1;
        private Exception? _error;

        public void Run()
        {
            try
            {
                var index = Interlocked.Increment(ref _next);
                if (index >= count || Volatile.Read(ref _error) is not null)
                    return;
                var local = initialize();
                try
                {
                    for (; index < count && Volatile.Read(ref _error) is null; index = Interlocked.Increment(ref _next))
                        body(index, local);
                }
                finally
                {
                    release(local);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
        }

        public void RethrowFirstError()
        {
            if (_error is not null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_error).Throw();
        }
    }

    /// <summary>The entry of libgomp that starts a parallel region; found in the library LibTorch loaded.</summary>
    private sealed class OpenMp(delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<void*, void>, void*, uint, uint, void> parallel)
    {
        public void Parallel(delegate* unmanaged[Cdecl]<void*, void> function, void* data, uint threads) =>
            parallel(function, data, threads, 0);

        /// <summary>
        /// The libgomp mapped into this process, if any (LibTorch's CPU builds for Linux ship one), and whether the
        /// answer is final: LibTorch is loaded, or this is not Linux, or /proc cannot be read.
        /// </summary>
        public static (OpenMp? OpenMp, bool Final) FindLoaded()
        {
            if (!OperatingSystem.IsLinux())
                return (null, true);
            try
            {
                var files = MappedLibraries.Paths();
                var libTorchLoaded = files.Any(MappedLibraries.IsLibTorch);
                var path = files.FirstOrDefault(file => Path.GetFileName(file).StartsWith("libgomp", StringComparison.Ordinal));
                if (path is null || !NativeLibrary.TryLoad(path, out var library)
                                 || !NativeLibrary.TryGetExport(library, "GOMP_parallel", out var parallel))
                    return (null, libTorchLoaded);
                return (new OpenMp((delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<void*, void>, void*, uint, uint, void>)parallel), true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, true);
            }
        }
    }
}
