namespace ModelGen.Generators.Model
{
    /// <summary>
    /// A backbone's learned absolute position embedding: the image size it is sized for (the forward resamples
    /// it for any other size), its token grid and width, and whether it is SAM's <c>pos_embed</c> of shape
    /// (1, grid height, grid width, channels), the layout a MultiLayerTransformerNeck's <c>pos_embed</c> can start from.
    /// </summary>
    internal sealed record PositionEmbedding(int ImageHeight, int ImageWidth, int GridHeight, int GridWidth, int Channels, bool IsSamPosEmbed);
}
