using System.Collections.Generic;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>
    /// CLIP's ModifiedResNet visual tower (open_clip <c>modified_resnet.py</c>, built as
    /// <c>_build_vision_tower</c> builds it) wrapped as OVSAM's OpenCLIPBackbone: the four
    /// stage outputs, with the attention-pool embedding as a separate method.
    /// </summary>
    internal sealed class OpenClipResNetFamily : IModelFamily
    {
        public string Name => "openclip-resnet";

        public string Summary => "CLIP ModifiedResNet visual tower (open_clip, OpenAI RN50/RN101/RN50xN) wrapped as OVSAM OpenCLIPBackbone";

        public IReadOnlyList<string> Usings { get; } = new[] { "ModelGen.Models.Layers.OpenClip" };

        public IReadOnlyList<FieldDefinition> Fields { get; } = SharedFields.With(new[]
        {
            new FieldDefinition("layers", FieldKind.IntegerList, "Bottleneck blocks in each of the four stages").WithLength(4).InRange(1, 1024),
            new FieldDefinition("width", FieldKind.Integer, "Stem width; stage i has width * 2^i bottleneck planes and 4x that many output channels").WithDefault(64L).InRange(2, 65536),
            new FieldDefinition("outputDim", FieldKind.Integer, "Width of the CLIP image embedding (open_clip embed_dim)"),
            new FieldDefinition("heads", FieldKind.Integer, "Attention-pool heads; when left out, open_clip's width * 32 / 64").AsOptional().InRange(1, 65536),
            new FieldDefinition("imageSize", FieldKind.Integer, "Native input side; the attention pool's position embedding covers imageSize / 32 squared positions").WithDefault(224L).InRange(32, 16384),
            new FieldDefinition("fixLayers", FieldKind.IntegerList, "Stages (0-3) frozen and kept in eval mode while the rest trains (upstream fix_layers); stage 0 also freezes the stem").InRange(0, 3).AsOptional(),
        });

        public void Validate(BoundObject fields, DiagnosticBag diagnostics)
        {
            var shape = OpenClipResNetShape.From(fields);
            if (shape.ImageSize % 32 != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("imageSize"), $"'imageSize' {shape.ImageSize} is not a multiple of 32, the ResNet's total stride; the attention pool needs an exact {shape.ImageSize / 32}x{shape.ImageSize / 32} map (e.g. imageSize {System.Math.Max(32, shape.ImageSize / 32 * 32)} or {(shape.ImageSize / 32 + 1) * 32}).");
            if (shape.EmbedDim % shape.Heads != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf(shape.HeadsGiven ? "heads" : "width"), $"The attention pool's width (width * 32 = {shape.EmbedDim}) is not divisible by {(shape.HeadsGiven ? "'heads'" : "the default heads (width * 32 / 64)")} {shape.Heads}; every head must get the same width (e.g. heads {HeadCounts.Divisor(shape.EmbedDim, shape.Heads)}).");
            if ((long)shape.EmbedDim * shape.EmbedDim > int.MaxValue || ((long)shape.PoolGrid * shape.PoolGrid + 1) * shape.EmbedDim > int.MaxValue)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("width"), $"A single weight of this variant would have more than {int.MaxValue} elements (attention-pool width {shape.EmbedDim}, {shape.PoolGrid}x{shape.PoolGrid} positions); choose smaller sizes.");
        }

        /// <summary>OVSAM's OpenCLIPBackbone puts the three-conv stem in one Sequential (ReLUs at 2, 5, 8) and calls the attention pool its head.</summary>
        public IReadOnlyList<AliasSchemeModel> AliasSchemes(BoundObject fields) => new[]
        {
            new AliasSchemeModel("ovsam", "OVSAM OpenCLIPBackbone: stem.0-7, layer1-4, head", new[]
            {
                new AliasRule("conv1.", "stem.0."), new AliasRule("bn1.", "stem.1."),
                new AliasRule("conv2.", "stem.3."), new AliasRule("bn2.", "stem.4."),
                new AliasRule("conv3.", "stem.6."), new AliasRule("bn3.", "stem.7."),
                new AliasRule("attnpool.", "head."),
            }.ToEquatableArray()),
        };

        /// <summary>The attention pool (and its position embedding) is not part of the forward, so any side from the minimum is taken as it is.</summary>
        public BackboneGeometry Geometry(BoundObject fields) => new BackboneGeometry(
            OpenClipResNetShape.From(fields).Features.ToEquatableArray(),
            InputChannels: 3,
            OpenClipResNetShape.MinimumSide,
            PositionEmbedding: null,
            FixLayerStages: 4);

        public void EmitModule(SourceWriter writer, GenerationUnit unit) => OpenClipResNetEmitter.Emit(writer, unit, OpenClipResNetShape.From(unit.Fields));
    }
}
