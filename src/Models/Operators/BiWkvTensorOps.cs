using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Operators;

/// <summary>
/// Bi-WKV made of LibTorch tensor operations only, so it runs on any device and autograd differentiates it.
/// The tokens are cut into chunks of L tokens, at most <see cref="MaxChunkLength"/>. Inside a chunk every output is a
/// softmax over the chunk's tokens (decay of their distance plus key, or bonus plus key for the token itself) and two
/// more entries: everything left of the chunk and everything right of it, each kept as the log of its summed weight
/// and the weighted mean of its values. Those states are in turn softmaxes over the chunks' own summaries, decayed by
/// the chunks between. Every exponential is taken of a logit minus its row's maximum, so any magnitude of keys, decay
/// and bonus that the dtype holds is safe. Costs O(B·C·(T·L + (T/L)²)) in a number of operations independent of T
/// (no loop over chunks, which a GPU would pay for in kernel launches).
/// </summary>
internal static class BiWkvTensorOps
{
    /// <summary>The longest chunk; chunks are made of equal length up to a shorter last one.</summary>
    public const int MaxChunkLength = 64;

    /// <summary>
    /// About the cube root of 2T, which minimises the work T·L within chunks plus (T/L)² between them, at most
    /// <see cref="MaxChunkLength"/>.
    /// </summary>
    private static long ChunkLength(long tokens) => Math.Min(MaxChunkLength, (long)Math.Ceiling(Math.Cbrt(2.0 * tokens)));

    /// <summary>y of the formula for w, u (C) and k, v (B, T, C), all of one floating-point dtype and device.</summary>
    public static Tensor Forward(Tensor w, Tensor u, Tensor k, Tensor v)
    {
        var tokens = k.shape[1];
        if (tokens == 0)
            return zeros_like(v);

        using var scope = NewDisposeScope();
        var chunkCount = (tokens + ChunkLength(tokens) - 1) / ChunkLength(tokens);
        var length = (tokens + chunkCount - 1) / chunkCount;
        var groups = new List<ChunkGroup>();
        if (tokens / length > 0)
            groups.Add(new ChunkGroup(0, 0, tokens / length, length));
        if (tokens % length > 0)
            groups.Add(new ChunkGroup(tokens / length * length, (int)(tokens / length), 1, tokens % length));

        // Channels before tokens: each chunk's softmax runs over the last dimension.
        var (kc, vc) = (k.transpose(1, 2), v.transpose(1, 2));
        var decay = w.view(-1, 1, 1);
        var keys = groups.Select(g => Chunks(kc, g)).ToList();
        var values = groups.Select(g => Chunks(vc, g)).ToList();

        // What a chunk passes to the chunks on its right: weights decayed to its last token; and to its left: to its first.
        var toRight = new List<(Tensor LogWeight, Tensor Mean)>();
        var toLeft = new List<(Tensor LogWeight, Tensor Mean)>();
        for (var g = 0; g < groups.Count; g++)
        {
            using var groupLength = groups[g].Length.ToScalar();
            using var last = (groups[g].Length - 1).ToScalar();
            var position = arange(groupLength, dtype: k.dtype, device: k.device);
            toRight.Add(Summary(keys[g] - position.neg().add_(last) * decay, values[g]));
            toLeft.Add(Summary(keys[g] - position * decay, values[g]));
        }
        var (rightLog, rightMean) = (cat(toRight.Select(s => s.LogWeight).ToList(), 2), cat(toRight.Select(s => s.Mean).ToList(), 2));
        var (leftLog, leftMean) = (cat(toLeft.Select(s => s.LogWeight).ToList(), 2), cat(toLeft.Select(s => s.Mean).ToList(), 2));
        var before = EnteringStates(rightLog, rightMean, length, w, fromLeft: true);
        var after = EnteringStates(leftLog, leftMean, length, w, fromLeft: false);

        var outputs = new List<Tensor>();
        for (var g = 0; g < groups.Count; g++)
        {
            var (first, count) = (groups[g].FirstChunk, groups[g].Count);
            outputs.Add(ChunkOutputs(w, u, keys[g], values[g],
                (before.LogWeight.narrow(2, first, count), before.Mean.narrow(2, first, count)),
                (after.LogWeight.narrow(2, first, count), after.Mean.narrow(2, first, count)))
                .reshape(k.shape[0], k.shape[2], count * groups[g].Length));
        }
        return cat(outputs, 2).transpose(1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Chunks of the group as (B, C, count, length) from a (B, C, T) tensor.</summary>
    private static Tensor Chunks(Tensor channelsFirst, ChunkGroup group) =>
        channelsFirst.narrow(2, group.FirstToken, group.Count * group.Length)
            .reshape(channelsFirst.shape[0], channelsFirst.shape[1], group.Count, group.Length);

    /// <summary>Log of the summed weights exp(<paramref name="logWeights"/>) over the last dimension, and the weighted mean of the values.</summary>
    private static (Tensor LogWeight, Tensor Mean) Summary(Tensor logWeights, Tensor values) =>
        (logWeights.logsumexp(-1), (softmax(logWeights, -1) * values).sum(-1));

    /// <summary>
    /// From each chunk's summary (B, C, N), the state entering every chunk from the side that
    /// <paramref name="fromLeft"/> names: all tokens beyond the chunk on that side, their weights decayed to the
    /// chunk's nearest token. It is a softmax over the chunks on that side, each decayed by the full chunks of
    /// <paramref name="length"/> tokens between (only the last chunk may be shorter, and it is never between two).
    /// The chunk at that end gets weight zero (log -inf) and mean zero.
    /// </summary>
    private static (Tensor LogWeight, Tensor Mean) EnteringStates(
        Tensor logWeight, Tensor mean, long length, Tensor w, bool fromLeft)
    {
        var chunks = logWeight.shape[2];
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        var edgeLog = full_like(logWeight.narrow(2, 0, 1), minusInfinity);
        var edgeMean = zeros_like(edgeLog);
        if (chunks == 1)
            return (edgeLog, edgeMean);

        // Row r: the state entering chunk r + 1 from the left, or chunk r from the right. Column j: the chunk j, or
        // j + 1, that feeds it when gap >= 0, gap being the number of chunks between the two.
        var (sourceLog, sourceMean) = fromLeft
            ? (logWeight.narrow(2, 0, chunks - 1), mean.narrow(2, 0, chunks - 1))
            : (logWeight.narrow(2, 1, chunks - 1), mean.narrow(2, 1, chunks - 1));
        using var sources = (chunks - 1).ToScalar();
        using var chunkLength = length.ToScalar();
        using var zero = 0.ToScalar();
        var index = arange(sources, dtype: logWeight.dtype, device: logWeight.device);
        var gap = fromLeft ? index.unsqueeze(1) - index.unsqueeze(0) : index.unsqueeze(0) - index.unsqueeze(1);
        var logits = (sourceLog.unsqueeze(2) - gap.mul(chunkLength) * w.view(-1, 1, 1))
            .masked_fill(gap.lt(zero), minusInfinity);
        var stateLog = logits.logsumexp(-1);
        var stateMean = softmax(logits, -1).matmul(sourceMean.unsqueeze(-1)).squeeze(-1);
        return fromLeft
            ? (cat([edgeLog, stateLog], 2), cat([edgeMean, stateMean], 2))
            : (cat([stateLog, edgeLog], 2), cat([stateMean, edgeMean], 2));
    }

    /// <summary>y of the chunks (B, C, n, L) from their keys and values and the states entering them from each side (B, C, n).</summary>
    private static Tensor ChunkOutputs(Tensor w, Tensor u, Tensor keys, Tensor values,
        (Tensor LogWeight, Tensor Mean) fromLeft, (Tensor LogWeight, Tensor Mean) fromRight)
    {
        var length = keys.shape[3];
        using var lengthScalar = length.ToScalar();
        using var one = 1.ToScalar();
        using var last = (length - 1).ToScalar();
        var position = arange(lengthScalar, dtype: keys.dtype, device: keys.device);
        var decay = w.view(-1, 1, 1);
        // (C, L, L): for output a and token b, -(|a-b| - 1)·w off the diagonal, u on it.
        var distance = (position.unsqueeze(1) - position.unsqueeze(0)).abs().sub_(one);
        var self = eye(length, dtype: ScalarType.Bool, device: keys.device);
        var pairBias = where(self, u.view(-1, 1, 1), -distance * decay);
        var pairs = pairBias.unsqueeze(1) + keys.unsqueeze(3);
        var left = fromLeft.LogWeight.unsqueeze(-1) - position * decay;
        var right = fromRight.LogWeight.unsqueeze(-1) - position.neg().add_(last) * decay;
        var logits = cat([pairs, left.unsqueeze(-1), right.unsqueeze(-1)], -1);
        var entries = cat([values, fromLeft.Mean.unsqueeze(-1), fromRight.Mean.unsqueeze(-1)], -1);
        return softmax(logits, -1).matmul(entries.unsqueeze(-1)).squeeze(-1);
    }

    /// <summary><paramref name="Count"/> chunks of <paramref name="Length"/> tokens, the first of them chunk <paramref name="FirstChunk"/>.</summary>
    private sealed record ChunkGroup(long FirstToken, int FirstChunk, long Count, long Length);
}
