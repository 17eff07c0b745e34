namespace ModelGen.Generators.Model
{
    /// <summary>One forward output of a backbone, as its generated <c>Features</c> describe it, with how its grid follows from the input size.</summary>
    internal sealed record OutputFeature(string Name, int Channels, double Reduction, GridRule Grid);
}
