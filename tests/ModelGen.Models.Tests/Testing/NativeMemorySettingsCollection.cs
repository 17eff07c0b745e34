namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// Tests that set or depend on <c>TensorMemory.KeepsFreedMemory</c>, which is process-wide and changes every forward's
/// memory estimate: they run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemorySettingsCollection
{
    public const string Name = "Native memory settings";
}
