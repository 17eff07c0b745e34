using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Cli;

/// <summary>
/// Builds a variant on LibTorch's meta device, where tensors have shapes but no storage, to read what it is
/// made of (its parameter count, its checkpoint layout) in milliseconds and without allocating its weights.
/// </summary>
internal static class MetaModel
{
    public static T Inspect<T>(ModelRegistration registration, Func<IBackbone, T> read)
    {
        // The default device is process-wide; the CLI builds one model at a time.
        var previous = get_default_device();
        set_default_device(device("meta"));
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
