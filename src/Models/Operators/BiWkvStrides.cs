namespace ModelGen.Models.Operators;

/// <summary>
/// Where the kernels read the output gradient: in the layout of the keys (<see cref="KeysLayout"/>), or at element
/// strides of a (batch, tokens, channels) tensor whose channel stride is 1 or 0 (the same value for all channels, as
/// in the expanded gradient of <c>sum()</c>).
/// </summary>
internal readonly record struct BiWkvStrides(long Batch, long Token, long Channel, bool SameAsKeys = false)
{
    public static readonly BiWkvStrides KeysLayout = new(0, 0, 1, SameAsKeys: true);

    /// <summary>The offset of token 0 of <paramref name="channel"/>.</summary>
    public long Start(BiWkvShape shape, int batch, int channel) =>
        SameAsKeys ? shape.Offset(batch, 0, channel) : batch * Batch + channel * Channel;

    public long TokenStride(BiWkvShape shape) => SameAsKeys ? shape.TokenStride : Token;
}
