using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families
{
    /// <summary>The checks every family applies to a list of block indexes such as <c>globalAttnIndexes</c>.</summary>
    internal static class StageIndexes
    {
        /// <summary>
        /// Reports, at the offending item, the first index outside 0 to <paramref name="count"/> - 1,
        /// repeated or out of ascending order. Returns whether the list passed.
        /// </summary>
        /// <param name="noun">What the indexes number, in the plural ("blocks", "layers").</param>
        /// <param name="repeatAdvice">What to do about a repeated index.</param>
        public static bool Check(BoundObject fields, string field, IReadOnlyList<int> indexes, int count, string countField, string noun, string repeatAdvice, DiagnosticBag diagnostics)
        {
            for (var i = 0; i < indexes.Count; i++)
            {
                if (indexes[i] >= count)
                {
                    diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, fields.SpanOfItem(field, i), $"'{field}' contains {indexes[i]}, but the {noun} are numbered 0 to {count - 1} ('{countField}' {count}).");
                    return false;
                }
                if (i > 0 && indexes[i] <= indexes[i - 1])
                {
                    diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, fields.SpanOfItem(field, i), indexes[i] == indexes[i - 1]
                        ? $"'{field}' contains {indexes[i]} twice; {repeatAdvice}."
                        : $"'{field}' must be in ascending order ({indexes[i - 1]} comes before {indexes[i]}); write [{string.Join(", ", indexes.Distinct().OrderBy(x => x))}].");
                    return false;
                }
            }
            return true;
        }
    }
}
