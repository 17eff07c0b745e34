using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Builds a module on LibTorch's meta device, where tensors have shapes but no storage, to read what it is made of
/// (parameter counts, checkpoint layout, FLOPs) in milliseconds and without allocating its weights: SAM ViT-H costs
/// nothing. The default device is process-wide: builds here take turns, and tensors another thread creates meanwhile
/// without naming a device are meta tensors too.
/// </summary>
public static class MetaBuild
{
    private static readonly object Gate = new();

    /// <summary>Builds a variant (its spec's <c>fix</c>) on the meta device and reads <paramref name="read"/> of it.</summary>
    public static T Inspect<T>(ModelRegistration registration, Func<IBackbone, T> read)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return Inspect(() => registration.Factory(null), read);
    }

    /// <summary>Runs <paramref name="build"/> with the meta device as the default, checks its result with <paramref name="inspect"/> and disposes it.</summary>
    public static void Inspect<TModule>(Func<TModule> build, Action<TModule> inspect)
        where TModule : IDisposable
    {
        ArgumentNullException.ThrowIfNull(inspect);
        Inspect(build, module =>
        {
            inspect(module);
            return true;
        });
    }

    /// <summary>Runs <paramref name="build"/> with the meta device as the default, reads <paramref name="read"/> of its result and disposes it.</summary>
    public static T Inspect<TModule, T>(Func<TModule> build, Func<TModule, T> read)
        where TModule : IDisposable
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(read);
        lock (Gate)
        {
            var previous = get_default_device();
            set_default_device(new Device(DeviceType.META));
            try
            {
                using var model = build();
                return read(model);
            }
            finally
            {
                set_default_device(previous);
            }
        }
    }
}
