using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.SamVit
{
    /// <summary>The bound sam-vit fields as numbers, with the sizes derived from them.</summary>
    internal sealed class SamVitShape
    {
        public int ImageSize { get; private set; }
        public int PatchSize { get; private set; }
        public int InChans { get; private set; }
        public int EmbedDim { get; private set; }
        public int Depth { get; private set; }
        public int NumHeads { get; private set; }
        public double MlpRatio { get; private set; }
        public int OutChans { get; private set; }
        public bool QkvBias { get; private set; }
        public bool UseRelPos { get; private set; }
        public int WindowSize { get; private set; }
        public double NormEps { get; private set; }
        public IReadOnlyList<int> GlobalAttnIndexes { get; private set; } = new int[0];

        public int Grid => ImageSize / PatchSize;

        /// <summary>Upstream's <c>int(dim * mlp_ratio)</c>.</summary>
        public int MlpDim => (int)(EmbedDim * MlpRatio);

        /// <summary>The forward outputs: one per stage (ending at each global index), the last through the neck; all at the patch stride.</summary>
        public IReadOnlyList<OutputFeature> Features => GlobalAttnIndexes
            .Select((_, i) => i == GlobalAttnIndexes.Count - 1
                ? new OutputFeature("neck", OutChans, PatchSize, GridRule.Floor(PatchSize))
                : new OutputFeature($"layer{i + 1}", EmbedDim, PatchSize, GridRule.Floor(PatchSize)))
            .ToArray();

        public static SamVitShape From(BoundObject fields) => new SamVitShape
        {
            ImageSize = (int)fields.Integer("imageSize"),
            PatchSize = (int)fields.Integer("patchSize"),
            InChans = (int)fields.Integer("inChans"),
            EmbedDim = (int)fields.Integer("embedDim"),
            Depth = (int)fields.Integer("depth"),
            NumHeads = (int)fields.Integer("numHeads"),
            MlpRatio = fields.Number("mlpRatio"),
            OutChans = (int)fields.Integer("outChans"),
            QkvBias = fields.Boolean("qkvBias"),
            UseRelPos = fields.Boolean("useRelPos"),
            WindowSize = (int)fields.Integer("windowSize"),
            NormEps = fields.Number("normEps"),
            GlobalAttnIndexes = fields.Integers("globalAttnIndexes").Select(i => (int)i).ToArray(),
        };
    }
}
