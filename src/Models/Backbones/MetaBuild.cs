using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// Builds a variant on LibTorch's meta device, where tensors have shapes but no storage, to read what it is
/// made of in milliseconds and without allocating its weights. The default device is process-wide.
/// </summary>
internal static class MetaBuild
{
    private static readonly object Gate = new();

    public static T Inspect<T>(ModelRegistration registration, Func<IBackbone, T> read)
    {
        lock (Gate)
        {
            var previous = get_default_device();
            set_default_device(new Device(DeviceType.META));
            try
            {
                using var model = registration.Factory(null);
                return read(model);
            }
            finally
            {
                set_default_device(previous);
            }
        }
    }
}
