using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// The memory of a contiguous CPU tensor, piece by piece: <see cref="Tensor.bytes"/> is a span, so it
/// cannot cover a tensor of 2 GiB or more, while a piece of at most 1 GiB always fits.
/// </summary>
internal static class TensorBytes
{
    private const long MaxPieceBytes = 1L << 30;

    /// <summary>What <see cref="ForEachPiece"/> calls with each piece (a delegate type of its own: net8.0 has no Action over a span).</summary>
    public delegate void PieceVisitor(Span<byte> piece, long offset);

    /// <summary>Calls <paramref name="visit"/> with each piece, a whole number of elements, and the byte offset of its start.</summary>
    public static void ForEachPiece(Tensor tensor, PieceVisitor visit)
    {
        var count = tensor.numel();
        if (count == 0)
            return;
        var elementSize = tensor.ElementSize;
        var piece = MaxPieceBytes / elementSize;
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += piece)
        {
            using var slice = flat.narrow(0, start, Math.Min(piece, count - start));
            visit(slice.bytes, start * elementSize);
        }
    }
}
