namespace ModelGen.Generators.Families.OpenClip
{
    internal static class HeadCounts
    {
        /// <summary>The largest head count up to <paramref name="heads"/> that divides <paramref name="dim"/>, for suggestions.</summary>
        public static long Divisor(long dim, long heads)
        {
            for (var h = heads; h > 1; h--)
                if (dim % h == 0)
                    return h;
            return 1;
        }
    }
}
