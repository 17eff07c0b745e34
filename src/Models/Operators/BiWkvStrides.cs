namespace ModelGen.Models.Operators;

/// <summary>
/// Element strides of a (batch, tokens, channels) tensor that the kernels read in place; the channel stride is 1 or 0
/// (the same value for all channels, as in the expanded gradient of <c>sum()</c>).
/// </summary>
internal readonly record struct BiWkvStrides(long Batch, long Token, long Channel)
{
    public static BiWkvStrides Contiguous(BiWkvShape shape) => new((long)shape.Tokens * shape.Channels, shape.Channels, 1);

    public long Offset(int batch, int token, int channel) => batch * Batch + token * Token + channel * Channel;
}
