using System.Runtime.CompilerServices;

namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// Where each key lies in the key grid for <see cref="FusedAttentionKernel"/>: every key's row and column (past the
/// last key, the last key's), in vectors of 16; in <see cref="KeyBiasLayout.GridRows"/> every vector of 16 keys (and
/// each half of one) lies in one row, so its first key's say where. And how many of each vector's 16 lanes are keys.
/// </summary>
internal sealed unsafe class FusedAttentionKeys
{
    private readonly int[] _valid, _rows, _columns;

    private FusedAttentionKeys(int vectors)
    {
        _valid = GC.AllocateArray<int>(vectors, pinned: true);
        _rows = GC.AllocateArray<int>(vectors * 16, pinned: true);
        _columns = GC.AllocateArray<int>(vectors * 16, pinned: true);
    }

    /// <summary>How many of each vector's 16 lanes are keys.</summary>
    public int* Valid => (int*)Unsafe.AsPointer(ref _valid[0]);

    /// <summary>Each lane's grid row.</summary>
    public int* Rows => (int*)Unsafe.AsPointer(ref _rows[0]);

    /// <summary>Each lane's grid column.</summary>
    public int* Columns => (int*)Unsafe.AsPointer(ref _columns[0]);

    public static FusedAttentionKeys Of(FusedAttentionOperands operands, int vectors)
    {
        var (tokens, width) = (operands.Tokens, operands.GridWidth);
        var table = new FusedAttentionKeys(vectors);
        for (var vector = 0; vector < vectors; vector++)
        {
            var first = vector * 16;
            table._valid[vector] = Math.Clamp(tokens - first, 0, 16);
            for (var lane = 0; lane < 16; lane++)
                (table._rows[vector * 16 + lane], table._columns[vector * 16 + lane]) = Math.DivRem(Math.Min(first + lane, tokens - 1), width);
        }
        return table;
    }
}
