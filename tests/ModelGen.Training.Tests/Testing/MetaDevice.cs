using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Testing;

/// <summary>
/// Builds modules on PyTorch's "meta" device: shapes without memory or initialisation, so the full-size built-in
/// compositions can be checked against the weight manifests cheaply. The default device is process-wide, hence the
/// non-parallel collection.
/// </summary>
internal static class MetaDevice
{
    public static T Build<T>(Func<T> factory)
    {
        var previous = get_default_device();
        set_default_device(new Device(DeviceType.META));
        try
        {
            return factory();
        }
        finally
        {
            set_default_device(previous);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaDeviceCollection
{
    public const string Name = "Meta device";
}
