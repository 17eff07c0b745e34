using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Shared;

namespace ModelGen.Generators.Model
{
    internal static class NameSuggestions
    {
        /// <summary>The closest candidate (case-insensitive edit distance at most 2), for "did you mean".</summary>
        public static string? Closest(string name, IEnumerable<string> candidates) => candidates
            .Select(c => (Candidate: c, Distance: EditDistance.Between(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(1, Math.Min(2, name.Length / 3)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Candidate)
            .FirstOrDefault();
    }
}
