namespace ModelGen.Models.Tests.Testing;

/// <summary>
/// OVSAM's <c>OpenCLIPBackbone</c> renames the ModifiedResNet stem and pool (<c>stem.0</c> = <c>conv1</c>, ...,
/// <c>head</c> = <c>attnpool</c>); this maps its state-dict keys to the tower's. A stand-in for the
/// library's declarative alias scheme, kept here until that exists.
/// </summary>
internal static class OvsamOpenClipNames
{
    private static readonly (string Ovsam, string Tower)[] Prefixes =
    [
        ("stem.0.", "conv1."), ("stem.1.", "bn1."),
        ("stem.3.", "conv2."), ("stem.4.", "bn2."),
        ("stem.6.", "conv3."), ("stem.7.", "bn3."),
        ("head.", "attnpool."),
    ];

    public static string ToTower(string key)
    {
        foreach (var (ovsam, tower) in Prefixes)
            if (key.StartsWith(ovsam, StringComparison.Ordinal))
                return tower + key[ovsam.Length..];
        return key;
    }
}
