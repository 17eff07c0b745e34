namespace ModelGen.Models.Operators;

/// <summary>Sizes of a Bi-WKV call on contiguous (batch, tokens, channels) tensors.</summary>
internal readonly record struct BiWkvShape(int Batch, int Tokens, int Channels)
{
    /// <summary>The channels of one unit of the kernels' parallel work.</summary>
    public const int BlockChannels = 16;

    public int BlocksPerBatch => (Channels + BlockChannels - 1) / BlockChannels;

    public long Offset(int batch, int token, int channel) => ((long)batch * Tokens + token) * Channels + channel;

    /// <summary>The batch element, first channel and channel count of one unit of parallel work.</summary>
    public (int Batch, int FirstChannel, int Count) Block(int block)
    {
        var firstChannel = block % BlocksPerBatch * BlockChannels;
        return (block / BlocksPerBatch, firstChannel, Math.Min(BlockChannels, Channels - firstChannel));
    }
}
