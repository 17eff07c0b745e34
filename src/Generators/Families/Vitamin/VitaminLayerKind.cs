namespace ModelGen.Generators.Families.Vitamin
{
    /// <summary>The block type of one token layer, named as upstream's classes.</summary>
    internal enum VitaminLayerKind
    {
        RwkvBlock,
        TransformerLayer,
        MbConv1d,
    }
}
