using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.Vitamin
{
    /// <summary>Writes a vitamin module class with its conv blocks and token layers unrolled.</summary>
    internal static class VitaminEmitter
    {
        public static void Emit(SourceWriter writer, GenerationUnit unit, VitaminShape shape)
        {
            var name = unit.Header.Name;
            var config = ConfigRecordEmitter.TypeName(unit.Header);
            var eps = CSharpLiterals.Number(VitaminShape.NormEps);
            var kinds = shape.LayerKinds;
            var stages = shape.ConvStages;
            var outputs = Outputs(shape);

            var summary = unit.Header.Description.Length > 0 ? CSharpLiterals.XmlText(unit.Header.Description) + " " : "";
            var sizes = shape.ModelVariant is null ? $"stem {shape.StemWidth}, widths {string.Join("/", shape.EmbedDims)}" : $"ViTamin-{shape.ModelVariant}";
            writer.Line("/// <summary>");
            writer.Line($"/// {summary}ViTamin backbone ({sizes}): stem, MBConv stages of {stages[0].Count} and {stages[1].Count} blocks,");
            writer.Line($"/// {shape.Depth} token layers \"{shape.AttnType}\" of width {shape.EmbedDim} at stride 16{(shape.WithPosEmbd ? $", position embedding for a {shape.PosEmbedHeight}x{shape.PosEmbedWidth} grid" : "")}.");
            writer.Line("/// Parameter names are those of RWKV-SAM's VITAMINBackbone state dict.");
            writer.Line("/// </summary>");
            writer.Open($"public sealed partial class {name} : BackboneModule");

            writer.Line("/// <summary>The forward outputs in order, as upstream's tuple (all NCHW).</summary>");
            writer.Line("public static global::System.Collections.Generic.IReadOnlyList<FeatureInfo> Features { get; } = new FeatureInfo[]");
            writer.Line("{").Indent();
            foreach (var output in outputs)
                writer.Line($"new FeatureInfo(\"{output.Name}\", {output.Channels}, {output.Reduction}),");
            writer.Outdent().Line("};");
            writer.Line();

            BackboneMembersEmitter.OpenConstructor(writer, unit);
            writer.Line($"Stem = new Stem(inChannels: 3, outChannels: {shape.StemWidth}, normEps: {eps});");
            writer.Line("ConvStages = new ModuleList<ModuleList<MbConvLNBlock>>(").Indent();
            for (var s = 0; s < stages.Count; s++)
            {
                writer.Line("new ModuleList<MbConvLNBlock>(").Indent();
                for (var b = 0; b < stages[s].Count; b++)
                {
                    var (inChannels, outChannels, stride, mid) = stages[s][b];
                    var separator = b == stages[s].Count - 1 ? (s == stages.Count - 1 ? "));" : "),") : ",";
                    writer.Line($"new MbConvLNBlock(inChannels: {inChannels}, outChannels: {outChannels}, stride: {stride}, midChannels: {mid}, normEps: {eps}){separator} // conv_stages.{s}.{b}");
                }
                writer.Outdent();
            }
            writer.Outdent();
            writer.Line($"ConvFinalPool = new StridedConv(inChannels: {shape.EmbedDims[1]}, outChannels: {shape.EmbedDim}, normEps: {eps});");
            if (shape.WithPosEmbd)
                writer.Line($"register_parameter(\"pos_embed\", new Parameter(global::ModelGen.Models.Layers.Common.TruncatedNormal.Fill(empty(1, {shape.PosEmbedHeight * shape.PosEmbedWidth}, {shape.EmbedDim}), std: 0.02)));");
            writer.Line("Layers = new ModuleList<nn.Module<Tensor, Tensor>>(").Indent();
            for (var i = 0; i < kinds.Count; i++)
                writer.Line($"{LayerConstruction(shape, kinds[i], i, eps)}{(i == kinds.Count - 1 ? ");" : ",")} // {i}");
            writer.Outdent();
            writer.Line($"FinalNorm = nn.LayerNorm({shape.EmbedDim}, eps: {eps});");
            if (shape.AdditionalFinalLayers)
                writer.Line($"FinalLayer = new MbConvLNBlock(inChannels: {shape.EmbedDim}, outChannels: {shape.EmbedDim * 2}, stride: 2, midChannels: {shape.FinalLayerMid}, normEps: {eps});");
            writer.Line("register_module(\"stem\", Stem);");
            writer.Line("register_module(\"conv_stages\", ConvStages);");
            writer.Line("register_module(\"conv_final_pool\", ConvFinalPool);");
            writer.Line("register_module(\"layers\", Layers);");
            writer.Line("register_module(\"final_norm\", FinalNorm);");
            if (shape.AdditionalFinalLayers)
                writer.Line("register_module(\"final_layer\", FinalLayer);");
            BackboneMembersEmitter.ApplyFreezing(writer);
            writer.Close();
            writer.Line();

            writer.Line("public Stem Stem { get; }");
            writer.Line();
            writer.Line("public ModuleList<ModuleList<MbConvLNBlock>> ConvStages { get; }");
            writer.Line();
            writer.Line("public StridedConv ConvFinalPool { get; }");
            writer.Line();
            if (shape.WithPosEmbd)
            {
                writer.Line($"/// <summary>Position embedding, (1, {shape.PosEmbedHeight}*{shape.PosEmbedWidth}, {shape.EmbedDim}), resized to other token grids.</summary>");
                writer.Line("public Parameter PosEmbed => get_parameter(\"pos_embed\")!;");
                writer.Line();
            }
            writer.Line($"/// <summary>The token layers: {string.Join(", ", kinds.Select((k, i) => $"{i} {k}"))}. Each maps an NHWC token map to one of the same shape.</summary>");
            writer.Line("public ModuleList<nn.Module<Tensor, Tensor>> Layers { get; }");
            writer.Line();
            writer.Line("public LayerNorm FinalNorm { get; }");
            writer.Line();
            if (shape.AdditionalFinalLayers)
            {
                writer.Line("public MbConvLNBlock FinalLayer { get; }");
                writer.Line();
            }
            writer.Line($"public {config} Config => {config}.Default;");
            writer.Line();
            writer.Line("protected override IModelConfig ModelConfig => Config;");
            writer.Line();
            writer.Line("public override global::System.Collections.Generic.IReadOnlyList<FeatureInfo> FeatureInfo => Features;");
            writer.Line();

            EmitForward(writer, shape, kinds, outputs);
            writer.Line();

            BackboneMembersEmitter.CloseClass(writer, unit);
        }

        private static void EmitForward(SourceWriter writer, VitaminShape shape, IReadOnlyList<VitaminLayerKind> kinds, IReadOnlyList<(string Name, string Variable, int Channels, int Reduction)> outputs)
        {
            var stages = shape.ConvStages;
            writer.Line("/// <summary>");
            writer.Line("/// Runs the backbone on an NCHW batch of any size; each stride-2 step rounds up, so the token grid is");
            writer.Line($"/// the image size divided by 16, rounded up{(shape.WithPosEmbd ? $", and the position embedding is resized to it unless it is {shape.PosEmbedHeight}x{shape.PosEmbedWidth}" : "")}.");
            writer.Line("/// </summary>");
            writer.Open("public override BackboneOutput forward(Tensor images)");
            writer.Line("RequireImageBatch(images, channels: 3, minimumSide: 1);");
            if (kinds.Contains(VitaminLayerKind.TransformerLayer))
            {
                writer.Line("var tokens = (images.shape[2] + 15) / 16 * ((images.shape[3] + 15) / 16);");
                writer.Line($"RequireMemoryFor(images, \"attention scores (N, heads, T, T)\", images.shape[0], {shape.NumHeads}, tokens, tokens);");
            }
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line("// The conv stages run on channels-last maps; their outputs are returned in NCHW order.");
            writer.Line("var x = Stem.call(global::ModelGen.Models.Layers.Common.ChannelsLast.Of(images));");
            for (var s = 0; s < stages.Count; s++)
            {
                for (var b = 0; b < stages[s].Count; b++)
                    writer.Line($"x = RunBlock(ConvStages[{s}][{b}], x);");
                writer.Line($"var {outputs[s].Variable} = x.contiguous();");
            }
            writer.Line();
            writer.Line("// Tokens as an NHWC map: the same memory order as upstream's (B, h*w, C) sequence, and the conv stages' already.");
            writer.Line("x = ConvFinalPool.call(x).permute(0, 2, 3, 1).contiguous();");
            if (shape.WithPosEmbd)
                writer.Line($"x = x + PositionEmbedding.Resize(PosEmbed, {shape.PosEmbedHeight}, {shape.PosEmbedWidth}, x.shape[1], x.shape[2]);");
            for (var i = 0; i < kinds.Count; i++)
            {
                writer.Line($"x = RunBlock(Layers[{i}], x); // {kinds[i]}");
                if (i == shape.IntermediateIndex)
                    writer.Line($"var {outputs[2].Variable} = x.permute(0, 3, 1, 2).contiguous();");
            }
            writer.Line($"var finalNorm = FinalNorm.call(x).permute(0, 3, 1, 2).contiguous();");
            if (shape.AdditionalFinalLayers)
                writer.Line("var finalLayer = FinalLayer.call(finalNorm);");
            writer.Line();
            var list = string.Join(", ", outputs.Select(o => o.Variable));
            writer.Line($"scope.MoveToOuter({list});");
            writer.Line($"return new BackboneOutput(Features, new[] {{ {list} }});");
            writer.Close();
        }

        private static string LayerConstruction(VitaminShape shape, VitaminLayerKind kind, int index, string eps) => kind switch
        {
            VitaminLayerKind.RwkvBlock => $"new RwkvBlock(channels: {shape.EmbedDim}, hiddenChannels: {shape.RwkvHidden}, normEps: {eps}, layerId: {index}, layerCount: {shape.Depth})",
            VitaminLayerKind.TransformerLayer => $"new TransformerLayer(embedDims: {shape.EmbedDim}, numHeads: {shape.NumHeads}, feedforwardChannels: {shape.FeedforwardChannels}, normEps: {eps})",
            _ => $"new MbConv1d(channels: {shape.EmbedDim}, midChannels: {shape.TokenMbConvMid}, normEps: {eps})",
        };

        /// <summary>
        /// Upstream's output tuple (both conv stages, the intermediate tokens or none, the final-normed tokens, the final
        /// layer if any), with the forward's local variable of each (conv_stage1: convStage1).
        /// </summary>
        private static IReadOnlyList<(string Name, string Variable, int Channels, int Reduction)> Outputs(VitaminShape shape) => shape.Features
            .Select(f =>
            {
                var pascal = CSharpLiterals.Pascal(f.Name);
                return (f.Name, char.ToLowerInvariant(pascal[0]) + pascal.Substring(1), f.Channels, (int)f.Reduction);
            })
            .ToArray();
    }
}
