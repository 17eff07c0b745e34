namespace ModelGen.Training.Tests.Testing;

/// <summary>Tests that build modules under a switched process-wide default dtype (<see cref="DistillationSetup.Build"/>) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultDtypeCollection
{
    public const string Name = "Default dtype";
}
