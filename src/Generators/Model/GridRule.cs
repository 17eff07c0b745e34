namespace ModelGen.Generators.Model
{
    /// <summary>
    /// How a backbone output's side follows from the input side, as the generated forward computes it:
    /// <c>floor(floor(ceil(side / CeilDivisor) / FloorDivisor) * Scale)</c>. Stride-2 convolutions with padding
    /// round up (ViTamin's stem and stages, the ResNet stem's first conv), pools and patch embeddings round down,
    /// and a bilinear resize by a scale factor floors the scaled side.
    /// </summary>
    internal sealed record GridRule(int CeilDivisor, int FloorDivisor, double Scale)
    {
        public static GridRule Floor(int divisor, double scale = 1.0) => new GridRule(1, divisor, scale);

        public static GridRule Ceil(int divisor) => new GridRule(divisor, 1, 1.0);

        public int Side(int inputSide)
        {
            var rounded = (inputSide + CeilDivisor - 1) / CeilDivisor / FloorDivisor;
            return (int)System.Math.Floor(rounded * Scale);
        }
    }
}
