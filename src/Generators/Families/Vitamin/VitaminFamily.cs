using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;
using static System.FormattableString;

namespace ModelGen.Generators.Families.Vitamin
{
    /// <summary>
    /// RWKV-SAM's ViTamin backbone (VITAMINBackbone): a conv stem and two MBConv stages, a strided
    /// conv to tokens at stride 16, then RWKV, transformer or MBConv token layers.
    /// </summary>
    internal sealed class VitaminFamily : IModelFamily
    {
        private static readonly string[] ExplicitSizes = { "stemWidth", "embedDims", "depths" };

        public string Name => "vitamin";

        public string Summary => "ViTamin backbone with RWKV / transformer / MBConv token layers (RWKV-SAM VITAMINBackbone)";

        public IReadOnlyList<string> Usings { get; } = new[] { "ModelGen.Models.Layers.Vitamin" };

        public IReadOnlyList<FieldDefinition> Fields { get; } = SharedFields.With(new[]
        {
            new FieldDefinition("modelVariant", FieldKind.Choice, "Conv-stage and token widths of a named ViTamin size; give it or stemWidth, embedDims and depths").WithChoices(VitaminShape.Variants.Keys.ToArray()).AsOptional(),
            new FieldDefinition("stemWidth", FieldKind.Integer, "Stem output channels, instead of modelVariant").InRange(1, 65536).AsOptional(),
            new FieldDefinition("embedDims", FieldKind.IntegerList, "Widths of conv stage 1, conv stage 2 and the tokens, instead of modelVariant").WithLength(3).InRange(1, 65536).AsOptional(),
            new FieldDefinition("depths", FieldKind.IntegerList, "Blocks of conv stage 1 and 2 (the third entry is unused, as upstream), instead of modelVariant").WithLength(3).InRange(1, 1024).AsOptional(),
            new FieldDefinition("imageSize", FieldKind.IntegerList, "[height, width] the position embedding is sized for (a grid of imageSize / 16)").WithLength(2).InRange(16, 16384).WithDefault(new long[] { 1024, 1024 }.ToEquatableArray()),
            new FieldDefinition("attnType", FieldKind.Choice, "Token layer layout").WithChoices("transformer", "rwkv", "rwkv_trans", "mbconv_rwkv", "rwkv_mbconv").WithDefault("transformer"),
            new FieldDefinition("attnCfg", FieldKind.Object, "Token layer settings").WithChildren(new[]
            {
                new FieldDefinition("depth", FieldKind.Integer, "Number of token layers").WithDefault(14L).InRange(1, 1024),
                new FieldDefinition("mlpRatio", FieldKind.Number, "Hidden width over token width of the MLPs / channel mixes / MBConv expansions; upstream's default is 2 for transformer, 4 otherwise").InRange(double.Epsilon, 1024.0).AsOptional(),
                new FieldDefinition("numHeads", FieldKind.Integer, "Attention heads of transformer layers").WithDefault(6L).InRange(1, 4096),
                new FieldDefinition("dropPath", FieldKind.Number, "Stochastic depth rate (training only; the modules run in eval, where it is the identity)").WithDefault(0.0).InRange(0.0, 1.0),
                new FieldDefinition("globalAttnIndexes", FieldKind.IntegerList, "Layers of the second type in the hybrid layouts (transformer in rwkv_trans, RWKV in mbconv_rwkv, MBConv in rwkv_mbconv)").WithDefault(new long[] { 2, 5, 8, 11 }.ToEquatableArray()).InRange(0, 1023),
            }),
            new FieldDefinition("withPosEmbd", FieldKind.Boolean, "Whether a learned position embedding is added to the tokens").WithDefault(true),
            new FieldDefinition("additionalFinalLayers", FieldKind.Boolean, "Whether a stride-2 MBConv block doubling the width follows the final norm (it replaces the intermediate output)").WithDefault(false),
        });

        public void Validate(BoundObject fields, DiagnosticBag diagnostics)
        {
            ValidateSizes(fields, diagnostics);
            var shape = VitaminShape.From(fields);
            var attn = fields.Object("attnCfg");

            if (shape.ImageHeight % 16 != 0 || shape.ImageWidth % 16 != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("imageSize"), Invariant($"'imageSize' [{shape.ImageHeight}, {shape.ImageWidth}] is not a multiple of 16, the stride of the token grid; use [{shape.ImageHeight / 16 * 16}, {shape.ImageWidth / 16 * 16}] or [{(shape.ImageHeight + 15) / 16 * 16}, {(shape.ImageWidth + 15) / 16 * 16}]."));

            if (shape.IsHybrid)
                ValidateGlobalIndexes(attn, shape, diagnostics);
            else if (!attn.Get("globalAttnIndexes").IsDefault)
                diagnostics.Add(DiagnosticDescriptors.SuspiciousLayout, attn.SpanOf("globalAttnIndexes"), $"'globalAttnIndexes' is ignored by attnType \"{shape.AttnType}\", where every layer has the same type; remove it or use a hybrid layout (rwkv_trans, mbconv_rwkv, rwkv_mbconv).");

            var kinds = shape.LayerKinds;
            var hasRwkv = kinds.Contains(VitaminLayerKind.RwkvBlock);
            var hasTransformer = kinds.Contains(VitaminLayerKind.TransformerLayer);
            if (hasRwkv && shape.Depth < 2)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, attn.SpanOf("depth"), Invariant($"'depth' is {shape.Depth}, but a layout with RWKV layers needs at least 2: upstream's RWKV initialisation divides by depth - 1."));
            if (!shape.HasSizes)
                return;

            if (shape.WithPosEmbd && (long)shape.PosEmbedHeight * shape.PosEmbedWidth * shape.EmbedDim > int.MaxValue)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("imageSize"), Invariant($"The position embedding of a {shape.ImageHeight}x{shape.ImageWidth} image would have more than {int.MaxValue} elements; choose a smaller imageSize or set 'withPosEmbd' false."));
            if (hasRwkv && (shape.RwkvHiddenExact != shape.RwkvHidden || shape.RwkvHidden < 1))
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, MlpRatioSpan(attn), Invariant($"'mlpRatio' {shape.MlpRatio} times the token width {shape.EmbedDim} is {shape.RwkvHiddenExact:0.###}, but the RWKV channel mix needs a whole number of hidden channels; choose a ratio such as {System.Math.Max(1, System.Math.Round(shape.MlpRatio))}."));
            if (hasTransformer)
            {
                if (shape.EmbedDim % shape.NumHeads != 0)
                    diagnostics.Add(DiagnosticDescriptors.Inconsistent, attn.SpanOf("numHeads"), Invariant($"The token width {shape.EmbedDim} is not divisible by 'numHeads' {shape.NumHeads}; every head must get the same width (e.g. numHeads {Divisor(shape.EmbedDim, shape.NumHeads)})."));
                if (shape.FeedforwardChannels < 1)
                    diagnostics.Add(DiagnosticDescriptors.OutOfRange, MlpRatioSpan(attn), Invariant($"'mlpRatio' {shape.MlpRatio} gives transformer MLPs of width {shape.FeedforwardChannels}; it must be at least 1 / {shape.EmbedDim}."));
            }
        }

        /// <summary>VITAMINBackbone is RWKV-SAM's own module: its checkpoints use these names, so there is nothing to rename.</summary>
        public IReadOnlyList<AliasSchemeModel> AliasSchemes(BoundObject fields) => new AliasSchemeModel[0];

        /// <summary>The forward takes any side (stride-2 steps round up) and resizes the position embedding, when there is one, to the grid.</summary>
        public BackboneGeometry Geometry(BoundObject fields)
        {
            var shape = VitaminShape.From(fields);
            return new BackboneGeometry(
                shape.Features.ToEquatableArray(),
                InputChannels: 3,
                MinimumInputSide: 1,
                shape.WithPosEmbd ? new PositionEmbedding(shape.ImageHeight, shape.ImageWidth, shape.PosEmbedHeight, shape.PosEmbedWidth, shape.EmbedDim, IsSamPosEmbed: false) : null,
                FixLayerStages: null);
        }

        public void EmitModule(SourceWriter writer, GenerationUnit unit) => VitaminEmitter.Emit(writer, unit, VitaminShape.From(unit.Fields));

        /// <summary>Exactly one of modelVariant and the complete explicit sizes.</summary>
        private static void ValidateSizes(BoundObject fields, DiagnosticBag diagnostics)
        {
            var given = ExplicitSizes.Where(fields.Has).ToList();
            if (fields.Has("modelVariant"))
            {
                foreach (var name in given)
                    diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf(name), $"'{name}' cannot be combined with 'modelVariant' \"{fields.String("modelVariant")}\", which already fixes stemWidth, embedDims and depths; remove one of the two.");
                return;
            }
            if (given.Count == 0)
            {
                diagnostics.Add(DiagnosticDescriptors.MissingField, fields.Span, $"A vitamin spec requires 'modelVariant' (one of {string.Join(", ", VitaminShape.Variants.Keys)}) or all of 'stemWidth', 'embedDims' and 'depths'.");
                return;
            }
            var missing = ExplicitSizes.Except(given).ToList();
            if (missing.Count > 0)
                diagnostics.Add(DiagnosticDescriptors.MissingField, fields.SpanOf(given[0]), $"Explicit sizes need all of 'stemWidth', 'embedDims' and 'depths'; {string.Join(" and ", missing.Select(m => $"'{m}'"))} {(missing.Count == 1 ? "is" : "are")} missing. Or use 'modelVariant' instead.");
        }

        private static void ValidateGlobalIndexes(BoundObject attn, VitaminShape shape, DiagnosticBag diagnostics)
        {
            var indexes = shape.GlobalAttnIndexes;
            if (attn.Get("globalAttnIndexes").IsDefault && indexes[indexes.Count - 1] >= shape.Depth)
            {
                diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, attn.SpanOf("depth"), $"'depth' is {shape.Depth}, but the default 'globalAttnIndexes' [{string.Join(", ", indexes)}] needs layers up to {indexes[indexes.Count - 1]}; give 'globalAttnIndexes' with layers from 0 to {shape.Depth - 1}, or a 'depth' of at least {indexes[indexes.Count - 1] + 1}.");
                return;
            }
            StageIndexes.Check(attn, "globalAttnIndexes", indexes, shape.Depth, "depth", "layers", "list each layer once", diagnostics);
        }

        private static SourceSpan MlpRatioSpan(BoundObject attn) => attn.Has("mlpRatio") ? attn.SpanOf("mlpRatio") : attn.Span;

        private static long Divisor(long dim, long heads)
        {
            for (var h = heads; h > 1; h--)
                if (dim % h == 0)
                    return h;
            return 1;
        }
    }
}
