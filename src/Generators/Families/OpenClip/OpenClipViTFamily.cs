using System.Collections.Generic;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>
    /// CLIP's VisionTransformer visual tower (open_clip <c>transformer.py</c>, built as
    /// <c>_build_vision_tower</c> builds it) wrapped as OVSAM's OpenCLIPBackbone: the patch
    /// tokens resized to four scales, with the class-token embedding as a separate method.
    /// Of open_clip's other vision options, <c>ls_init_value</c> and <c>global_average_pool</c>
    /// are supported; <c>input_patchnorm</c> and <c>attentional_pool</c> (which OpenCLIPBackbone
    /// rejects) are diagnosed. <c>patch_dropout</c> and <c>output_tokens</c> do not change the
    /// weights or the inference maths and are not fields.
    /// </summary>
    internal sealed class OpenClipViTFamily : IModelFamily
    {
        public string Name => "openclip-vit";

        public string Summary => "CLIP VisionTransformer visual tower (open_clip, OpenAI ViT-B/L) wrapped as OVSAM OpenCLIPBackbone";

        public IReadOnlyList<string> Usings { get; } = new[] { "ModelGen.Models.Layers.OpenClip" };

        public IReadOnlyList<FieldDefinition> Fields { get; } = SharedFields.With(new[]
        {
            new FieldDefinition("imageSize", FieldKind.Integer, "Native input side the position embedding is sized for").WithDefault(224L).InRange(1, 16384),
            new FieldDefinition("patchSize", FieldKind.Integer, "Patch side (kernel and stride of conv1)").WithDefault(16L).InRange(1, 1024),
            new FieldDefinition("width", FieldKind.Integer, "Token width").WithDefault(768L).InRange(1, 65536),
            new FieldDefinition("layers", FieldKind.Integer, "Number of residual attention blocks").WithDefault(12L).InRange(1, 1024),
            new FieldDefinition("heads", FieldKind.Integer, "Attention heads per block; when left out, open_clip's width / 64").AsOptional().InRange(1, 4096),
            new FieldDefinition("mlpRatio", FieldKind.Number, "MLP hidden width over the token width").WithDefault(4.0).InRange(double.Epsilon, 1024.0),
            new FieldDefinition("outputDim", FieldKind.Integer, "Width of the CLIP image embedding (open_clip embed_dim)").WithDefault(512L).InRange(1, 65536),
            new FieldDefinition("act", FieldKind.Choice, "MLP activation: gelu (open_clip's default) or quick_gelu (OpenAI weights, open_clip's quick_gelu / OpenAI loading path)").WithDefault("gelu").WithChoices("gelu", "quick_gelu"),
            new FieldDefinition("lsInitValue", FieldKind.Number, "LayerScale initial value; when given, every block has ls_1.gamma and ls_2.gamma").AsOptional().InRange(double.Epsilon, 1e6),
            new FieldDefinition("globalAveragePool", FieldKind.Boolean, "Whether the embedding pools the mean of all tokens instead of the class token").WithDefault(false),
            new FieldDefinition("inputPatchnorm", FieldKind.Boolean, "open_clip's dual patchnorm (a linear patch embedding between LayerNorms); not supported, must be false").WithDefault(false),
            new FieldDefinition("attentionalPool", FieldKind.Boolean, "open_clip's attentional pooler before ln_post; not supported, must be false").WithDefault(false),
        });

        public void Validate(BoundObject fields, DiagnosticBag diagnostics)
        {
            var shape = OpenClipViTShape.From(fields);
            if (shape.Heads == 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("width"), $"'width' {shape.Width} gives open_clip's default of width / 64 = 0 heads; give 'heads' explicitly.");
            else if (shape.Width % shape.Heads != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf(shape.HeadsGiven ? "heads" : "width"), $"'width' {shape.Width} is not divisible by {(shape.HeadsGiven ? "'heads'" : "the default heads (width / 64)")} {shape.Heads}; every head must get the same width (e.g. heads {HeadCounts.Divisor(shape.Width, shape.Heads)}).");
            if (shape.ImageSize % shape.PatchSize != 0)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, fields.SpanOf("imageSize"), $"'imageSize' {shape.ImageSize} is not a multiple of 'patchSize' {shape.PatchSize}; the patch grid must cover the image exactly (e.g. imageSize {System.Math.Max(1, shape.ImageSize / shape.PatchSize) * shape.PatchSize}).");
            if (shape.MlpDim < 1)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("mlpRatio"), $"'mlpRatio' {shape.MlpRatio} gives an MLP of width {shape.MlpDim}; it must be at least 1 / width.");
            if (((long)shape.Grid * shape.Grid + 1) * shape.Width > int.MaxValue || (long)shape.MlpDim * shape.Width > int.MaxValue || 3L * shape.Width * shape.Width > int.MaxValue)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("width"), $"A single weight of this variant would have more than {int.MaxValue} elements (width {shape.Width}, grid {shape.Grid}x{shape.Grid}, MLP {shape.MlpDim}); choose smaller sizes.");
            if (shape.InputPatchnorm)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("inputPatchnorm"), "'inputPatchnorm' true is not supported: OVSAM's OpenCLIPBackbone requires the convolutional patch embedding (it asserts not input_patchnorm). Remove the field or set it to false.");
            if (shape.AttentionalPool)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, fields.SpanOf("attentionalPool"), "'attentionalPool' true is not supported: OVSAM's OpenCLIPBackbone requires the class-token head (it asserts attn_pool is None). Remove the field or set it to false.");
        }

        /// <summary>OVSAM's OpenCLIPBackbone renames the tower's parts (t_*, stem, head) and leaves out the embedding projection <c>proj</c>.</summary>
        public IReadOnlyList<AliasSchemeModel> AliasSchemes(BoundObject fields) => new[]
        {
            new AliasSchemeModel("ovsam", "OVSAM OpenCLIPBackbone: stem, t_class_embedding, t_positional_embedding, t_ln_pre_trans, t_transformer, head; no proj", new[]
            {
                new AliasRule("conv1.", "stem."),
                new AliasRule("class_embedding", "t_class_embedding"),
                new AliasRule("positional_embedding", "t_positional_embedding"),
                new AliasRule("ln_pre.", "t_ln_pre_trans."),
                new AliasRule("transformer.", "t_transformer."),
                new AliasRule("ln_post.", "head."),
                new AliasRule("proj", null),
            }.ToEquatableArray()),
        };

        /// <summary>The forward needs two patches a side (the half-size output must not be empty) and resamples the position embedding.</summary>
        public BackboneGeometry Geometry(BoundObject fields)
        {
            var shape = OpenClipViTShape.From(fields);
            return new BackboneGeometry(
                shape.Features.ToEquatableArray(),
                InputChannels: 3,
                MinimumInputSide: 2 * shape.PatchSize,
                new PositionEmbedding(shape.ImageSize, shape.ImageSize, shape.Grid, shape.Grid, shape.Width, IsSamPosEmbed: false),
                FixLayerStages: null);
        }

        public void EmitModule(SourceWriter writer, GenerationUnit unit) => OpenClipViTEmitter.Emit(writer, unit, OpenClipViTShape.From(unit.Fields));
    }
}
