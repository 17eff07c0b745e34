namespace ModelGen.Generators.Model
{
    /// <summary>The bound value of a JSON <c>null</c> given for a field that allows it (e.g. <c>"maxGradNorm": null</c>: no clipping).</summary>
    internal sealed record NullValue
    {
        public static readonly NullValue Instance = new NullValue();

        private NullValue()
        {
        }
    }
}
