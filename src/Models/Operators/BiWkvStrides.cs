namespace ModelGen.Models.Operators;

/// <summary>Element strides of a (batch, tokens, channels) tensor that the kernels read in place.</summary>
internal readonly record struct BiWkvStrides(long Batch, long Token, long Channel)
{
    public long Offset(int batch, int token, int channel) => batch * Batch + token * Token + channel * Channel;
}
