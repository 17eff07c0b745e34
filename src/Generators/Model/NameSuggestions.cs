using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generators.Model
{
    internal static class NameSuggestions
    {
        /// <summary>The closest candidate (case-insensitive edit distance at most 2), for "did you mean".</summary>
        public static string? Closest(string name, IEnumerable<string> candidates) => candidates
            .Select(c => (Candidate: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(1, Math.Min(2, name.Length / 3)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();

        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++) previous[j] = j;
            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                    current[j] = Math.Min(previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), Math.Min(previous[j], current[j - 1]) + 1);
                var swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.Length];
        }
    }
}
