namespace ModelGen.Models.Operators;

/// <summary>
/// Sizes of a Bi-WKV call and the layout of its (batch, tokens, channels) tensors in the kernels: contiguous, or
/// <see cref="Blocked"/>: (batch, channel block, tokens, <see cref="BlockChannels"/>), so that the tokens of one block of
/// channels are contiguous.
/// </summary>
/// <remarks>
/// The kernels scan one block of channels along the tokens. In the contiguous layout consecutive tokens of a block are
/// C elements apart, so a scan touches a new page every few tokens and, for C of several times 128, reuses only a few
/// cache sets. Measured on a 2-core Xeon VM at T = 4096, C = 384: a scan group took 12-15 ns per element there, against
/// 2.6-3.7 ns on the same values stored densely.
/// </remarks>
internal readonly record struct BiWkvShape(int Batch, int Tokens, int Channels, bool Blocked = false)
{
    /// <summary>The width of a block of channels: of the kernels' unit of work and of the blocked layout.</summary>
    public const int BlockChannels = 16;

    public int BlocksPerBatch => (Channels + BlockChannels - 1) / BlockChannels;

    /// <summary>Elements between consecutive tokens of one channel.</summary>
    public int TokenStride => Blocked ? BlockChannels : Channels;

    /// <summary>Whether a blocked layout can hold C channels (whole blocks) and differs from the contiguous one.</summary>
    public static bool CanBlock(long channels) => channels > BlockChannels && channels % BlockChannels == 0;

    public long Offset(int batch, int token, int channel) => Blocked
        ? (((long)batch * BlocksPerBatch + channel / BlockChannels) * Tokens + token) * BlockChannels + channel % BlockChannels
        : ((long)batch * Tokens + token) * Channels + channel;

    /// <summary>The batch element, first channel and channel count of one unit of parallel work.</summary>
    public (int Batch, int FirstChannel, int Count) Block(int block)
    {
        var firstChannel = block % BlocksPerBatch * BlockChannels;
        return (block / BlocksPerBatch, firstChannel, Math.Min(BlockChannels, Channels - firstChannel));
    }
}
