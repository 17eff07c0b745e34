namespace ModelGen.Models.Layers.Attention;

/// <summary>
/// 2^f for |f| ≤ 1/2 as e^(f ln 2) by its Taylor series to degree 7 (remainder below 6e-9 relative): the
/// coefficients (ln 2)^k / k!, for Horner's rule from the highest.
/// </summary>
internal static class Exp2Polynomial
{
    public const float C7 = 1.5252733804059841e-5f;
    public const float C6 = 1.5403530393381606e-4f;
    public const float C5 = 1.3333558146428443e-3f;
    public const float C4 = 9.6181291076284772e-3f;
    public const float C3 = 5.5504108664821580e-2f;
    public const float C2 = 0.24022650695910071f;
    public const float C1 = 0.69314718055994531f;
    public const float C0 = 1f;
}
