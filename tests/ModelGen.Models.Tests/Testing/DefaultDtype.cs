using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// Builds modules whose parameters are created in another floating dtype than float32.
/// The default dtype is process-wide, hence the non-parallel collection.
/// </summary>
internal static class DefaultDtype
{
    public static T Build<T>(ScalarType dtype, Func<T> factory)
    {
        var previous = get_default_dtype();
        set_default_dtype(dtype);
        try
        {
            return factory();
        }
        finally
        {
            set_default_dtype(previous);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultDtypeCollection
{
    public const string Name = "Default dtype";
}
