using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.SamVit
{
    /// <summary>Writes a sam-vit module class with its blocks and stages unrolled.</summary>
    internal static class SamVitEmitter
    {
        public static void Emit(SourceWriter writer, GenerationUnit unit, SamVitShape shape)
        {
            var name = unit.Header.Name;
            var config = ConfigRecordEmitter.TypeName(unit.Header);
            var stages = Stages(shape);
            var features = shape.Features;
            var outputs = features.Select(f => f.Name).ToList();

            var summary = unit.Header.Description.Length > 0 ? CSharpLiterals.XmlText(unit.Header.Description) + " " : "";
            writer.Line("/// <summary>");
            writer.Line($"/// {summary}SAM ViT image encoder: {shape.Depth} blocks of width {shape.EmbedDim} with {shape.NumHeads} heads on a {shape.Grid}x{shape.Grid} token grid");
            writer.Line($"/// ({(shape.WindowSize > 0 ? $"window {shape.WindowSize}" : "no windows")}, global attention at {string.Join(", ", shape.GlobalAttnIndexes)}), neck to {shape.OutChans} channels.");
            writer.Line("/// Parameter names are those of segment-anything's ImageEncoderViT state dict.");
            writer.Line("/// </summary>");
            writer.Open($"public sealed partial class {name} : BackboneModule");

            writer.Line("/// <summary>The forward outputs in order: each stage's tokens as NCHW, the last through the neck.</summary>");
            writer.Line("public static global::System.Collections.Generic.IReadOnlyList<FeatureInfo> Features { get; } = new FeatureInfo[]");
            writer.Line("{").Indent();
            foreach (var feature in features)
                writer.Line($"new FeatureInfo(\"{feature.Name}\", {feature.Channels}, {CSharpLiterals.Integer((long)feature.Reduction)}),");
            writer.Outdent().Line("};");
            writer.Line();

            BackboneMembersEmitter.OpenConstructor(writer, unit);
            writer.Line($"PatchEmbed = new SamPatchEmbed(inChans: {shape.InChans}, embedDim: {shape.EmbedDim}, patchSize: {shape.PatchSize});");
            writer.Line($"register_parameter(\"pos_embed\", new Parameter(zeros(1, {shape.Grid}, {shape.Grid}, {shape.EmbedDim})));");
            writer.Line("Blocks = new ModuleList<SamBlock>(").Indent();
            for (var b = 0; b < shape.Depth; b++)
            {
                var global = shape.GlobalAttnIndexes.Contains(b);
                var window = global ? 0 : shape.WindowSize;
                var relPosSize = window > 0 ? window : shape.Grid;
                var separator = b == shape.Depth - 1 ? ");" : ",";
                writer.Line($"new SamBlock(dim: {shape.EmbedDim}, numHeads: {shape.NumHeads}, mlpDim: {shape.MlpDim}, qkvBias: {CSharpLiterals.Boolean(shape.QkvBias)}, useRelPos: {CSharpLiterals.Boolean(shape.UseRelPos)}, normEps: {CSharpLiterals.Number(shape.NormEps)}, windowSize: {window}, relPosSize: {relPosSize}){separator} // {b}: {(window > 0 ? "window" : "global")}");
            }
            writer.Outdent();
            writer.Line("Neck = nn.Sequential(").Indent();
            writer.Line($"(\"0\", nn.Conv2d({shape.EmbedDim}, {shape.OutChans}, kernel_size: 1, bias: false)),");
            writer.Line($"(\"1\", new LayerNorm2d({shape.OutChans}, eps: {CSharpLiterals.Number(shape.NormEps)})),");
            writer.Line($"(\"2\", nn.Conv2d({shape.OutChans}, {shape.OutChans}, kernel_size: 3, padding: 1, bias: false)),");
            writer.Line($"(\"3\", new LayerNorm2d({shape.OutChans}, eps: {CSharpLiterals.Number(shape.NormEps)})));");
            writer.Outdent();
            writer.Line("register_module(\"patch_embed\", PatchEmbed);");
            writer.Line("register_module(\"blocks\", Blocks);");
            writer.Line("register_module(\"neck\", Neck);");
            BackboneMembersEmitter.ApplyFreezing(writer);
            writer.Close();
            writer.Line();

            writer.Line("public SamPatchEmbed PatchEmbed { get; }");
            writer.Line();
            writer.Line("public Parameter PosEmbed => get_parameter(\"pos_embed\")!;");
            writer.Line();
            writer.Line("public ModuleList<SamBlock> Blocks { get; }");
            writer.Line();
            writer.Line("public Sequential Neck { get; }");
            writer.Line();
            writer.Line($"public {config} Config => {config}.Default;");
            writer.Line();
            writer.Line("protected override IModelConfig ModelConfig => Config;");
            writer.Line();
            writer.Line("public override global::System.Collections.Generic.IReadOnlyList<FeatureInfo> FeatureInfo => Features;");
            writer.Line();

            writer.Line($"/// <summary>Runs the encoder on an NCHW batch with sides of at least {shape.PatchSize}; the patch embedding floors them as upstream's, and token grids other than {shape.Grid}x{shape.Grid} resample the position embedding.</summary>");
            writer.Open("public override BackboneOutput forward(Tensor images)");
            writer.Line($"RequireImageBatch(images, channels: {shape.InChans}, minimumSide: {shape.PatchSize});");
            writer.Line($"var tokens = images.shape[2] / {shape.PatchSize} * (images.shape[3] / {shape.PatchSize});");
            writer.Line($"RequireMemoryFor(images, \"global attention scores (N·heads, T, T)\", images.shape[0] * {shape.NumHeads}, tokens, tokens);");
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line("var x = PatchEmbed.call(images);");
            writer.Line("x = x + global::ModelGen.Models.Layers.Common.AbsolutePositionEmbedding.ResampleNhwc(PosEmbed, x.shape[1], x.shape[2]);");
            for (var s = 0; s < stages.Count; s++)
            {
                var (first, last) = stages[s];
                writer.Line();
                writer.Line($"// {outputs[s]}: blocks {first}-{last}, block {last} global");
                for (var b = first; b <= last; b++)
                    writer.Line($"x = RunBlock(Blocks[{b}], x);");
                writer.Line(s == stages.Count - 1
                    ? $"var {outputs[s]} = Neck.call(x.permute(0, 3, 1, 2));"
                    : $"var {outputs[s]} = x.permute(0, 3, 1, 2).contiguous();");
            }
            writer.Line();
            var list = string.Join(", ", outputs);
            writer.Line($"scope.MoveToOuter({list});");
            writer.Line($"return new BackboneOutput(Features, new[] {{ {list} }});");
            writer.Close();
            writer.Line();

            BackboneMembersEmitter.CloseClass(writer, unit);
        }

        /// <summary>(first block, last block) of each stage: consecutive groups ending at each global index.</summary>
        private static IReadOnlyList<(int First, int Last)> Stages(SamVitShape shape)
        {
            var stages = new List<(int, int)>();
            var first = 0;
            foreach (var last in shape.GlobalAttnIndexes)
            {
                stages.Add((first, last));
                first = last + 1;
            }
            return stages;
        }
    }
}
