using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Layers.Sam;

/// <summary>Decomposed relative position embeddings (MViTv2), as SAM's attention adds them.</summary>
public static class RelativePosition
{
    /// <summary>
    /// The (qSize, kSize, C) embeddings for every query/key offset along one axis. A table whose
    /// length is not 2·max(qSize, kSize) − 1 is first resized by linear interpolation.
    /// </summary>
    public static Tensor Get(long qSize, long kSize, Tensor relPos)
    {
        using var scope = NewDisposeScope();
        var maxRelDist = 2 * Math.Max(qSize, kSize) - 1;
        var table = relPos;
        if (relPos.shape[0] != maxRelDist)
        {
            var resized = nn.functional.interpolate(
                relPos.reshape(1, relPos.shape[0], -1).permute(0, 2, 1),
                [maxRelDist],
                mode: InterpolationMode.Linear,
                align_corners: false);
            table = resized.reshape(-1, maxRelDist).permute(1, 0);
        }

        var qScale = Math.Max((double)kSize / qSize, 1.0);
        var kScale = Math.Max((double)qSize / kSize, 1.0);
        using var qCount = qSize.ToScalar();
        using var kCount = kSize.ToScalar();
        using var qStep = qScale.ToScalar();
        using var kStep = kScale.ToScalar();
        using var offset = ((kSize - 1) * kScale).ToScalar();
        var qCoords = arange(qCount, ScalarType.Float64, table.device).unsqueeze(1).mul_(qStep);
        var kCoords = arange(kCount, ScalarType.Float64, table.device).unsqueeze(0).mul_(kStep);
        var relative = (qCoords - kCoords).add_(offset).to(ScalarType.Int64);
        return table[relative].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The height and width terms of the queries <paramref name="q"/> (B, qH·qW, C) that SAM adds to their scores
    /// (B, qH·qW, kH·kW): (B, qH, qW, kH) and (B, qH, qW, kW), from the tables <see cref="Get"/> returns,
    /// <paramref name="tableH"/> (qH, kH, C) and <paramref name="tableW"/> (qW, kW, C). The score of key (i, j) gets
    /// the height term of i plus the width term of j.
    /// </summary>
    public static (Tensor Height, Tensor Width) DecomposedTerms(Tensor q, Tensor tableH, Tensor tableW, (long H, long W) qSize, (long H, long W) kSize)
    {
        using var scope = NewDisposeScope();
        var batch = q.shape[0];
        var dim = q.shape[2];
        var rq = q.reshape(batch, qSize.H, qSize.W, dim);
        ModelGen.Models.Backbones.FlopCounter.Add(ModelGen.Models.Backbones.FlopKind.RelativePosition, batch * qSize.H * qSize.W * (kSize.H + kSize.W) * dim);
        var height = einsum("bhwc,hkc->bhwk", rq, tableH);
        var width = einsum("bhwc,wkc->bhwk", rq, tableW);
        return (height.MoveToOuterDisposeScope(), width.MoveToOuterDisposeScope());
    }
}
