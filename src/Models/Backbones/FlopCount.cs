using System.Globalization;

namespace ModelGen.Models.Backbones;

/// <summary>What <see cref="FlopCounter"/> counts: multiply-accumulates of the operations that dominate a forward.</summary>
public enum FlopKind
{
    /// <summary>Convolutions: output elements × (input channels / groups) × kernel area.</summary>
    Convolution,

    /// <summary>Transposed convolutions: input elements × (output channels / groups) × kernel area.</summary>
    TransposedConvolution,

    /// <summary>Linear layers (modules and the functional in-projection of CLIP's attention): output elements × input features.</summary>
    Linear,

    /// <summary>Attention's batched matrix products, q·kᵀ and attn·v: batch × rows × inner × columns.</summary>
    AttentionMatmul,

    /// <summary>SAM's decomposed relative-position terms, the two einsums of q with the height and width tables.</summary>
    RelativePosition,

    /// <summary>The Bi-WKV operator of Vision-RWKV: 4 per (batch, token, channel), one multiply-add for the numerator and one for the denominator in each direction of its linear-time recurrence.</summary>
    BiWkv,
}

/// <summary>
/// The multiply-accumulates (MACs) of one forward, by kind. Elementwise operations, normalisations,
/// softmax, activations, pooling and interpolation are not counted, as fvcore and timm leave them out;
/// by their convention "GFLOPs" means GMACs, which is what <see cref="GigaMacs"/> gives.
/// torch.utils.flop_counter reports 2 FLOPs per MAC instead.
/// </summary>
public sealed class FlopCount
{
    private readonly long[] _macs;

    internal FlopCount(long batch, long height, long width, long[] macs)
    {
        Batch = batch;
        Height = height;
        Width = width;
        _macs = macs;
    }

    public long Batch { get; }

    public long Height { get; }

    public long Width { get; }

    /// <summary>The MACs of one kind.</summary>
    public long this[FlopKind kind] => _macs[(int)kind];

    /// <summary>The kinds with a non-zero count, in <see cref="FlopKind"/> order.</summary>
    public IReadOnlyDictionary<FlopKind, long> ByKind =>
        Enum.GetValues<FlopKind>().Where(k => this[k] != 0).ToDictionary(k => k, k => this[k]);

    public long TotalMacs => _macs.Sum();

    /// <summary>The total in GMACs (10⁹), what fvcore and timm print as GFLOPs.</summary>
    public double GigaMacs => TotalMacs / 1e9;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{GigaMacs:F2} GMACs for {Batch} image(s) of {Height}x{Width} (") +
        string.Join(", ", ByKind.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value / 1e9:F2}"))) + ")";
}
