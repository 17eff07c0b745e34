namespace ModelGen.Models.Operators;

/// <summary>Sizes of a Bi-WKV call on contiguous (batch, tokens, channels) tensors.</summary>
internal readonly record struct BiWkvShape(int Batch, int Tokens, int Channels)
{
    public long Offset(int batch, int token, int channel) => ((long)batch * Tokens + token) * Channels + channel;

    public int BlocksPerBatch(int channelsPerBlock) => (Channels + channelsPerBlock - 1) / channelsPerBlock;

    /// <summary>The batch element, first channel and channel count of one unit of parallel work.</summary>
    public (int Batch, int FirstChannel, int Count) Block(int block, int channelsPerBlock)
    {
        var blocksPerBatch = BlocksPerBatch(channelsPerBlock);
        var firstChannel = block % blocksPerBatch * channelsPerBlock;
        return (block / blocksPerBatch, firstChannel, Math.Min(channelsPerBlock, Channels - firstChannel));
    }
}
