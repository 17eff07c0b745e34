namespace ModelGen.Models.Runtime;

/// <summary>
/// How LibTorch's CPU tensors get their memory. They come from the C library's malloc, which on
/// glibc serves large blocks from fresh pages: each 4 KiB page then faults in when first written,
/// and on virtual machines a fault can cost microseconds. Measured on this project's 2-core VM,
/// writing a freshly allocated 64 MB tensor took 106 ms instead of 1.5 ms, and backbone forwards
/// at high resolution spent most of their time in the kernel.
/// </summary>
public static class TensorMemory
{
    private const string LibTorchHugePagesVariable = "THP_MEM_ALLOC_ENABLE";
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapMax = -4;

    /// <summary>
    /// The trim threshold that disables trimming (mallopt converts it to SIZE_MAX). The largest positive value,
    /// int.MaxValue, still let glibc return the heap's top to the kernel whenever more than 2 GiB of it was free:
    /// VitaminSmallRwkv at 2048² did so after every forward and faulted its next forward's 2 GiB in again (RSS going
    /// 7.2 → 9.0 → 7.2 GiB per forward, 35 % of its time in the kernel's page clearing).
    /// </summary>
    private const int NeverTrim = -1;

    /// <summary>
    /// Whether glibc keeps freed memory in the heap (set by <see cref="OptimizeForLargeTensors"/>): freed blocks are
    /// then reused only by tensors that fit them, and a forward's peak resident set is higher (the memory check
    /// allows for it).
    /// </summary>
    public static bool KeepsFreedMemory { get; internal set; }

    /// <summary>
    /// While glibc keeps freed memory (<see cref="KeepsFreedMemory"/>), runs a gen-0 garbage collection, so that
    /// TorchSharp objects left to their finalizers release their native memory now. A forward allocates almost no
    /// managed memory, so without it no collection comes: the small native blocks of those objects (TorchSharp 0.107
    /// leaves some of the Scalars it makes inside its own methods undisposed) stay inside the large blocks freed
    /// between tensors and keep glibc from reusing them. VitaminSmallRwkv at 1024² then grew its resident set by
    /// 64 MiB every few forwards without bound (0.9 → 2.9 GiB over 40 forwards), each step a forward with 0.3-1.4 s
    /// of page faulting; with this after each forward it stayed at 1.8-2.1 GiB. A gen-0 collection took about 1 ms.
    /// </summary>
    internal static void ReleaseFinalizableHandles()
    {
        if (KeepsFreedMemory)
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
    }

    /// <summary>
    /// Tunes the process for large tensors: glibc's malloc keeps freed memory in its heap instead of returning it, so
    /// later tensors reuse mapped pages (the process keeps its peak footprint, as a caching allocator does).
    /// Process-wide, hence opt-in: the CLI and the benchmarks call it at startup. Returns false where it does not
    /// apply (not Linux, or not glibc).
    /// </summary>
    /// <param name="hugePages">
    /// Also asks LibTorch to back allocations of 2 MB and more with transparent huge pages (its
    /// <c>THP_MEM_ALLOC_ENABLE</c> switch, read at its first allocation, so call this before creating any tensor).
    /// Off by default, because on the project's current VMs it made the forwards that grow the heap slower and the heap
    /// larger, for no steady-state gain. A huge-page fault there cost about 17 ms of kernel time, 512 faults of 4 KiB
    /// about 1.3 ms: VitaminSmallRwkv's first forward at 1024² took 4.7-5.6 s (4.5-5.4 s in the kernel) against
    /// 2.2-2.6 s (0.3-0.4 s). LibTorch also aligns those blocks to the page, and glibc 2.36's memalign asks for a
    /// free block a page larger than the tensor, while the block a same-sized tensor freed keeps less slack than that
    /// once small allocations take the space before it: one VITAMIN MBConv block repeated at 512² grew the heap by
    /// its 256 MiB expansion in each of 6 calls (1.9 GiB, against 1.1 GiB after 2 growths without), its largest free
    /// block being 3.5 KiB over 256 MiB. Worth trying on bare metal.
    /// </param>
    public static bool OptimizeForLargeTensors(bool hugePages = false)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            var hugePagesSet = !hugePages || LibC.SetEnvironment(LibTorchHugePagesVariable, "1", overwrite: 0) == 0;
            var reuse = LibC.Mallopt(MallocMmapMax, 0) == 1 && LibC.Mallopt(MallocTrimThreshold, NeverTrim) == 1;
            KeepsFreedMemory |= reuse;
            return hugePagesSet && reuse;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
