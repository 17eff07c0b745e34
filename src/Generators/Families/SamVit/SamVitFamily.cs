using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.SamVit
{
    /// <summary>
    /// SAM's ViT image encoder (segment-anything <c>ImageEncoderViT</c>) as OVSAM's SAMBackbone
    /// wraps it: one output per group of blocks ending at a global-attention index, the neck
    /// applied to the last one.
    /// </summary>
    internal sealed class SamVitFamily : IModelFamily
    {
        /// <summary>SAMBackbone returns out_indices (0, 1, 2, 3).</summary>
        public const int MaxOutputs = 4;

        public string Name => "sam-vit";

        public string Summary => "SAM ViT image encoder (segment-anything ImageEncoderViT wrapped as OVSAM SAMBackbone)";

        public IReadOnlyList<string> Usings { get; } = new[] { "ModelGen.Models.Layers.Common", "ModelGen.Models.Layers.Sam" };

        public IReadOnlyList<FieldDefinition> Fields { get; } = SharedFields.With(new[]
        {
            new FieldDefinition("imageSize", FieldKind.Integer, "Input image side the absolute position embedding is sized for").WithDefault(1024L).InRange(1, 16384),
            new FieldDefinition("patchSize", FieldKind.Integer, "Patch side (stride of the patch embedding)").WithDefault(16L).InRange(1, 1024),
            new FieldDefinition("inChans", FieldKind.Integer, "Input image channels").WithDefault(3L).InRange(1, 1024),
            new FieldDefinition("embedDim", FieldKind.Integer, "Token width").WithDefault(768L).InRange(1, 65536),
            new FieldDefinition("depth", FieldKind.Integer, "Number of transformer blocks").WithDefault(12L).InRange(1, 1024),
            new FieldDefinition("numHeads", FieldKind.Integer, "Attention heads per block").WithDefault(12L).InRange(1, 4096),
            new FieldDefinition("mlpRatio", FieldKind.Number, "MLP hidden width over the token width").WithDefault(4.0).InRange(double.Epsilon, 1024.0),
            new FieldDefinition("outChans", FieldKind.Integer, "Channels of the neck output").WithDefault(256L).InRange(1, 65536),
            new FieldDefinition("qkvBias", FieldKind.Boolean, "Whether the qkv projection has a bias").WithDefault(true),
            new FieldDefinition("useRelPos", FieldKind.Boolean, "Whether attention adds decomposed relative position embeddings").WithDefault(true),
            new FieldDefinition("windowSize", FieldKind.Integer, "Window side of the non-global blocks; 0 makes every block global").WithDefault(14L).InRange(0, 16384),
            new FieldDefinition("globalAttnIndexes", FieldKind.IntegerList, "Indexes of the global-attention blocks; each ends an output stage").InRange(0, 1023),
            new FieldDefinition("normEps", FieldKind.Number, "LayerNorm epsilon").WithDefault(1e-6).InRange(double.Epsilon, 1.0),
        });

        public void Validate(BoundObject fields, DiagnosticBag diagnostics)
        {
            var shape = SamVitShape.From(fields);
            if (shape.EmbedDim % shape.NumHeads != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("numHeads"), $"'embedDim' {shape.EmbedDim} is not divisible by 'numHeads' {shape.NumHeads}; every head must get the same width (e.g. numHeads {Divisor(shape.EmbedDim, shape.NumHeads)}).");
            if (shape.ImageSize % shape.PatchSize != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("imageSize"), $"'imageSize' {shape.ImageSize} is not a multiple of 'patchSize' {shape.PatchSize}; the patch grid must cover the image exactly (e.g. imageSize {shape.ImageSize / shape.PatchSize * shape.PatchSize}).");
            else if (shape.WindowSize > shape.Grid)
                diagnostics.Add(DiagnosticDescriptors.SuspiciousLayout, fields.SpanOf("windowSize"), $"'windowSize' {shape.WindowSize} is larger than the {shape.Grid}x{shape.Grid} token grid of a {shape.ImageSize} image: each windowed block pads the grid with zeros to {shape.WindowSize}x{shape.WindowSize} and attends over the padding, as upstream does. Use at most {shape.Grid} unless you need upstream's behaviour.");
            if (shape.MlpDim < 1)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("mlpRatio"), $"'mlpRatio' {shape.MlpRatio} gives an MLP of width {shape.MlpDim}; it must be at least 1 / embedDim.");
            if ((long)shape.Grid * shape.Grid * shape.EmbedDim > int.MaxValue || (long)shape.MlpDim * shape.EmbedDim > int.MaxValue)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("embedDim"), $"A single weight of this variant would have more than {int.MaxValue} elements (embedDim {shape.EmbedDim}, grid {shape.Grid}x{shape.Grid}, MLP {shape.MlpDim}); choose smaller sizes.");

            ValidateGlobalIndexes(fields, shape, diagnostics);
            if (shape.WindowSize == 0)
                diagnostics.Add(DiagnosticDescriptors.SuspiciousLayout, fields.SpanOf("windowSize"), "'windowSize' 0 makes every block global: attention cost grows with the square of the token count and 'globalAttnIndexes' only choose where outputs are taken. Use SAM's 14 unless this is intended.");
        }

        /// <summary>OVSAM's SAMBackbone keeps ImageEncoderViT's modules under its own names: the blocks regrouped into one Sequential per stage.</summary>
        public IReadOnlyList<AliasSchemeModel> AliasSchemes(BoundObject fields)
        {
            var shape = SamVitShape.From(fields);
            var rules = new List<AliasRule> { new AliasRule("patch_embed.", "stem."), new AliasRule("neck.", "out_proj.") };
            var first = 0;
            for (var stage = 0; stage < shape.GlobalAttnIndexes.Count; stage++)
            {
                for (var block = first; block <= shape.GlobalAttnIndexes[stage]; block++)
                    rules.Add(new AliasRule($"blocks.{block}.", $"layer{stage + 1}.{block - first}."));
                first = shape.GlobalAttnIndexes[stage] + 1;
            }
            return new[] { new AliasSchemeModel("ovsam", "OVSAM SAMBackbone: stem, pos_embed, layerN.M, out_proj", rules.ToEquatableArray()) };
        }

        /// <summary>The forward floors the input to whole patches (at least one) and resamples pos_embed to the grid it gets.</summary>
        public BackboneGeometry Geometry(BoundObject fields)
        {
            var shape = SamVitShape.From(fields);
            return new BackboneGeometry(
                shape.Features.ToEquatableArray(),
                shape.InChans,
                MinimumInputSide: shape.PatchSize,
                new PositionEmbedding(shape.ImageSize, shape.ImageSize, shape.Grid, shape.Grid, shape.EmbedDim, IsSamPosEmbed: true),
                FixLayerStages: null);
        }

        public void EmitModule(SourceWriter writer, GenerationUnit unit) => SamVitEmitter.Emit(writer, unit, SamVitShape.From(unit.Fields));

        private static void ValidateGlobalIndexes(BoundObject fields, SamVitShape shape, DiagnosticBag diagnostics)
        {
            var span = fields.SpanOf("globalAttnIndexes");
            var indexes = shape.GlobalAttnIndexes;
            if (!StageIndexes.Check(fields, "globalAttnIndexes", indexes, shape.Depth, "depth", "blocks", "each index ends one stage, so list it once", diagnostics))
                return;
            if (indexes.Count > MaxOutputs)
                diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, span, $"'globalAttnIndexes' has {indexes.Count} entries, but SAMBackbone returns at most {MaxOutputs} outputs (out_indices 0-3); list at most {MaxOutputs}.");
            else if (indexes[indexes.Count - 1] != shape.Depth - 1)
                diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, fields.SpanOfItem("globalAttnIndexes", indexes.Count - 1), $"The last global index is {indexes[indexes.Count - 1]}, but 'depth' is {shape.Depth}: SAMBackbone's stages end at the global blocks, so blocks {indexes[indexes.Count - 1] + 1}-{shape.Depth - 1} would never run. End the list with {shape.Depth - 1}.");
        }

        private static long Divisor(long dim, long heads)
        {
            for (var h = heads; h > 1; h--)
                if (dim % h == 0)
                    return h;
            return 1;
        }
    }
}
