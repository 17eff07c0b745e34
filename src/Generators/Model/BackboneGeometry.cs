namespace ModelGen.Generators.Model
{
    /// <summary>
    /// What a backbone takes and returns, from its family's shape: the outputs its forward returns (the same numbers
    /// the emitter writes into <c>Features</c>), the input channels, the smallest input side its forward accepts,
    /// its position embedding (null when it has none) and how many stages <c>fixLayers</c> can freeze (null without it).
    /// </summary>
    internal sealed record BackboneGeometry(
        EquatableArray<OutputFeature> Features,
        int InputChannels,
        int MinimumInputSide,
        PositionEmbedding? PositionEmbedding,
        int? FixLayerStages);
}
