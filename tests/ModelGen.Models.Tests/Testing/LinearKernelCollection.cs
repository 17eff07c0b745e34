namespace ModelGen.Models.Tests.Testing;

/// <summary>Tests that set <c>LinearKernels.Requested</c>, which is process-wide: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LinearKernelCollection
{
    public const string Name = "Linear kernel choice";
}
