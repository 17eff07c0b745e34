using System.Security.Cryptography;

namespace ModelGen.Models.Pretrained;

/// <summary>The published digest of a checkpoint file: a kind and lowercase hex digits.</summary>
public sealed record FileHash
{
    private const int Md5Digits = 32;
    private const int Sha256Digits = 64;

    public FileHash(HashKind kind, string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.ToLowerInvariant();
        if (digits.Length == 0 || !digits.All(char.IsAsciiHexDigitLower))
            throw new ArgumentException($"'{hex}' is not a hex digest.", nameof(hex));
        switch (kind)
        {
            case HashKind.Sha256 when digits.Length != Sha256Digits:
                throw new ArgumentException($"'{hex}' has {digits.Length} digits; a SHA-256 has {Sha256Digits}.", nameof(hex));
            case HashKind.Md5Prefix when digits.Length > Md5Digits:
                throw new ArgumentException($"'{hex}' has {digits.Length} digits; an MD5 has {Md5Digits}.", nameof(hex));
            case HashKind.Sha256 or HashKind.Md5Prefix:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown hash kind.");
        }
        Kind = kind;
        Hex = digits;
    }

    public HashKind Kind { get; }

    /// <summary>The digest, or for <see cref="HashKind.Md5Prefix"/> its first digits, in lowercase hex.</summary>
    public string Hex { get; }

    /// <summary>A hash that the file's MD5 must start with.</summary>
    public static FileHash Md5Prefix(string hex) => new(HashKind.Md5Prefix, hex);

    /// <summary>A hash that the file's SHA-256 must equal.</summary>
    public static FileHash Sha256(string hex) => new(HashKind.Sha256, hex);

    /// <summary>The algorithm that computes the digest.</summary>
    internal HashAlgorithmName Algorithm => Kind == HashKind.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.MD5;

    /// <summary>The name of <see cref="Algorithm"/> for messages.</summary>
    internal string AlgorithmName => Kind == HashKind.Sha256 ? "SHA-256" : "MD5";

    /// <summary>Whether a file whose digest under <see cref="Algorithm"/> is <paramref name="actualHex"/> is the published file.</summary>
    public bool Matches(string actualHex) => Kind == HashKind.Sha256
        ? string.Equals(actualHex, Hex, StringComparison.OrdinalIgnoreCase)
        : actualHex.StartsWith(Hex, StringComparison.OrdinalIgnoreCase);

    /// <summary>What was expected, as a message states it: "SHA-256 5806e7…" or "an MD5 starting with 01ec64".</summary>
    internal string Describe() => Kind == HashKind.Sha256 ? $"SHA-256 {Hex}" : $"an MD5 starting with {Hex}";

    /// <summary><c>md5-prefix:01ec64</c> or <c>sha256:…</c>.</summary>
    public override string ToString() => (Kind == HashKind.Sha256 ? "sha256:" : "md5-prefix:") + Hex;
}
