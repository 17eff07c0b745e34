using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>Writes an openclip-vit module class with every residual attention block unrolled.</summary>
    internal static class OpenClipViTEmitter
    {
        public static void Emit(SourceWriter writer, GenerationUnit unit, OpenClipViTShape shape)
        {
            var name = unit.Header.Name;
            var config = ConfigRecordEmitter.TypeName(unit.Header);
            var outputs = OpenClipViTShape.OutputNames;
            var scale = CSharpLiterals.Number(1.0 / System.Math.Sqrt(shape.Width));

            var summary = unit.Header.Description.Length > 0 ? CSharpLiterals.XmlText(unit.Header.Description) + " " : "";
            writer.Line("/// <summary>");
            writer.Line($"/// {summary}CLIP VisionTransformer visual tower: {shape.Layers} blocks of width {shape.Width} with {shape.Heads} heads ({(shape.QuickGelu ? "QuickGELU" : "GELU")} MLP of {shape.MlpDim}{(shape.LsInitValue is null ? "" : ", LayerScale")}),");
            writer.Line($"/// patch {shape.PatchSize} on a native {shape.Grid}x{shape.Grid} grid, {(shape.GlobalAveragePool ? "mean-token" : "class-token")} embedding of {shape.OutputDim}.");
            writer.Line("/// Parameter names are those of open_clip's VisionTransformer state dict (the <c>visual.</c> prefix of CLIP checkpoints removed).");
            writer.Line("/// </summary>");
            writer.Open($"public sealed partial class {name} : BackboneModule, IClipImageEncoder");

            writer.Line("/// <summary>The forward outputs in order: the patch tokens as NCHW, bilinearly resized by 4, 2, 1 and 0.5.</summary>");
            writer.Line("public static global::System.Collections.Generic.IReadOnlyList<FeatureInfo> Features { get; } = new FeatureInfo[]");
            writer.Line("{").Indent();
            foreach (var feature in shape.Features)
                writer.Line($"new FeatureInfo(\"{feature.Name}\", {feature.Channels}, {CSharpLiterals.Number(feature.Reduction)}),");
            writer.Outdent().Line("};");
            writer.Line();

            BackboneMembersEmitter.OpenConstructor(writer, unit);
            writer.Line($"Conv1 = nn.Conv2d(3, {shape.Width}, kernel_size: {shape.PatchSize}, stride: {shape.PatchSize}, bias: false);");
            writer.Line($"register_parameter(\"class_embedding\", new Parameter(randn({shape.Width}).mul_({scale})));");
            writer.Line($"register_parameter(\"positional_embedding\", new Parameter(randn({shape.Grid * shape.Grid + 1}, {shape.Width}).mul_({scale})));");
            writer.Line($"LnPre = new ClipLayerNorm({shape.Width});");
            writer.Line("Transformer = new ClipTransformer(").Indent();
            var layerScale = shape.LsInitValue is double init ? CSharpLiterals.Number(init) : "null";
            for (var b = 0; b < shape.Layers; b++)
            {
                var separator = b == shape.Layers - 1 ? ");" : ",";
                writer.Line($"new ResidualAttentionBlock(dim: {shape.Width}, numHeads: {shape.Heads}, mlpDim: {shape.MlpDim}, quickGelu: {CSharpLiterals.Boolean(shape.QuickGelu)}, layerScaleInit: {layerScale}){separator} // {b}");
            }
            writer.Outdent();
            writer.Line($"LnPost = new ClipLayerNorm({shape.Width});");
            writer.Line($"register_parameter(\"proj\", new Parameter(randn({shape.Width}, {shape.OutputDim}).mul_({scale})));");
            writer.Line("register_module(\"conv1\", Conv1);");
            writer.Line("register_module(\"ln_pre\", LnPre);");
            writer.Line("register_module(\"transformer\", Transformer);");
            writer.Line("register_module(\"ln_post\", LnPost);");
            BackboneMembersEmitter.ApplyFreezing(writer, "", "global::System.Linq.Enumerable.Append(LnPost.parameters(), Proj)");
            writer.Close();
            writer.Line();

            writer.Line("public Conv2d Conv1 { get; }");
            writer.Line();
            writer.Line("public Parameter ClassEmbedding => get_parameter(\"class_embedding\")!;");
            writer.Line();
            writer.Line($"/// <summary>The ({shape.Grid * shape.Grid + 1}, {shape.Width}) embedding of the class token and the native {shape.Grid}x{shape.Grid} grid.</summary>");
            writer.Line("public Parameter PositionalEmbedding => get_parameter(\"positional_embedding\")!;");
            writer.Line();
            writer.Line("public ClipLayerNorm LnPre { get; }");
            writer.Line();
            writer.Line("public ClipTransformer Transformer { get; }");
            writer.Line();
            writer.Line("public ClipLayerNorm LnPost { get; }");
            writer.Line();
            writer.Line("public Parameter Proj => get_parameter(\"proj\")!;");
            writer.Line();
            writer.Line($"public {config} Config => {config}.Default;");
            writer.Line();
            writer.Line("protected override IModelConfig ModelConfig => Config;");
            writer.Line();
            writer.Line("public override global::System.Collections.Generic.IReadOnlyList<FeatureInfo> FeatureInfo => Features;");
            writer.Line();

            writer.Line($"/// <summary>OpenCLIPBackbone.forward on an NCHW batch with sides of at least {2 * shape.PatchSize} (two patches, so that the grid halved is not empty; the patch embedding floors): the transformer's patch tokens (no ln_post) as NCHW, resized by 4, 2, 1 and 0.5.</summary>");
            writer.Open("public override BackboneOutput forward(Tensor images)");
            writer.Line($"RequireImageBatch(images, channels: 3, minimumSide: {2 * shape.PatchSize});");
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line("var (encoded, height, width) = Encode(images);");
            writer.Line("var grid = encoded[.., 1..].permute(0, 2, 1).reshape(encoded.shape[0], encoded.shape[2], height, width);");
            for (var i = 0; i < outputs.Length; i++)
            {
                var factor = CSharpLiterals.Number(OpenClipViTShape.OutputScales[i]);
                writer.Line($"var {outputs[i]} = nn.functional.interpolate(grid, scale_factor: [{factor}, {factor}], mode: InterpolationMode.Bilinear, align_corners: false);");
            }
            writer.Line($"scope.MoveToOuter({string.Join(", ", outputs)});");
            writer.Line($"return new BackboneOutput(Features, new[] {{ {string.Join(", ", outputs)} }});");
            writer.Close();
            writer.Line();

            writer.Line($"/// <summary>");
            writer.Line($"/// The CLIP image embedding (N, {shape.OutputDim}): ln_post of the {(shape.GlobalAveragePool ? "mean of all tokens" : "class token")}, projected by proj.");
            writer.Line($"/// At {shape.ImageSize}x{shape.ImageSize} this is open_clip's visual forward; other sizes (sides of at least {shape.PatchSize}, floored to patches) resample the position embedding as forward does.");
            writer.Line($"/// </summary>");
            writer.Open("public Tensor Embed(Tensor images)");
            writer.Line($"RequireImageBatch(images, channels: 3, minimumSide: {shape.PatchSize});");
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line("var (encoded, _, _) = Encode(images);");
            writer.Line(shape.GlobalAveragePool ? "var pooled = encoded.mean([1]);" : "var pooled = encoded[.., 0];");
            writer.Line("return mm(LnPost.call(pooled), Proj).MoveToOuterDisposeScope();");
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>The transformer's output tokens (N, 1 + height * width, C), class token first, and the patch grid.</summary>");
            writer.Open("private (Tensor Tokens, long Height, long Width) Encode(Tensor images)");
            writer.Line($"var tokens = images.shape[2] / {shape.PatchSize} * (images.shape[3] / {shape.PatchSize}) + 1;");
            writer.Line($"RequireMemoryFor(images, \"attention scores (N, heads, T, T)\", images.shape[0], {shape.Heads}, tokens, tokens);");
            writer.Line("var patches = global::ModelGen.Models.Layers.Common.PatchConvolution.Nhwc(Conv1, images);");
            writer.Line("var (height, width) = (patches.shape[1], patches.shape[2]);");
            writer.Line("var x = patches.flatten(1, 2);");
            writer.Line("var classToken = ClassEmbedding.to(x.dtype).expand(x.shape[0], 1, -1);");
            writer.Line("x = cat([classToken, x], 1);");
            writer.Line("x = x + ClipPositionEmbedding.Resample(PositionalEmbedding, height, width).to(x.dtype);");
            writer.Line("x = LnPre.call(x);");
            for (var b = 0; b < shape.Layers; b++)
                writer.Line($"x = RunBlock(Transformer.Resblocks[{b}], x);");
            writer.Line("return (x, height, width);");
            writer.Close();
            writer.Line();

            BackboneMembersEmitter.CloseClass(writer, unit);
        }
    }
}
