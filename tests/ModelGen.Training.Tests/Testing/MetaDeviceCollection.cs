namespace ModelGen.Training.Tests.Testing;

/// <summary>Tests that build on the meta device (<c>MetaBuild</c>), whose default-device switch is process-wide.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaDeviceCollection
{
    public const string Name = "Meta device";
}
