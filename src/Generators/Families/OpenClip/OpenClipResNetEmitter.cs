using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>Writes an openclip-resnet module class with every bottleneck unrolled.</summary>
    internal static class OpenClipResNetEmitter
    {
        public static void Emit(SourceWriter writer, GenerationUnit unit, OpenClipResNetShape shape)
        {
            var name = unit.Header.Name;
            var config = ConfigRecordEmitter.TypeName(unit.Header);
            var half = shape.Width / 2;
            var outputs = Enumerable.Range(1, 4).Select(i => $"layer{i}").ToArray();

            var summary = unit.Header.Description.Length > 0 ? CSharpLiterals.XmlText(unit.Header.Description) + " " : "";
            writer.Line("/// <summary>");
            writer.Line($"/// {summary}CLIP ModifiedResNet visual tower: three-conv stem of width {shape.Width}, stages of [{string.Join(", ", shape.Layers)}] bottlenecks");
            writer.Line($"/// ({string.Join("/", Enumerable.Range(0, 4).Select(shape.StageChannels))} channels), attention pool with {shape.Heads} heads to {shape.OutputDim} at {shape.ImageSize}x{shape.ImageSize}.");
            writer.Line("/// Parameter names are those of open_clip's ModifiedResNet state dict (the <c>visual.</c> prefix of CLIP checkpoints removed).");
            writer.Line("/// </summary>");
            writer.Open($"public sealed partial class {name} : BackboneModule, IClipImageEncoder");

            writer.Line("/// <summary>The forward outputs in order: the output of each residual stage.</summary>");
            writer.Line("public static global::System.Collections.Generic.IReadOnlyList<FeatureInfo> Features { get; } = new FeatureInfo[]");
            writer.Line("{").Indent();
            foreach (var feature in shape.Features)
                writer.Line($"new FeatureInfo(\"{feature.Name}\", {feature.Channels}, {CSharpLiterals.Integer((long)feature.Reduction)}),");
            writer.Outdent().Line("};");
            writer.Line();

            BackboneMembersEmitter.OpenConstructor(writer, unit, ", global::System.Collections.Generic.IReadOnlyList<int>? fixLayers = null");
            writer.Line($"Conv1 = nn.Conv2d(3, {half}, kernel_size: 3, stride: 2, padding: 1, bias: false);");
            writer.Line($"Bn1 = nn.BatchNorm2d({half});");
            writer.Line($"Conv2 = nn.Conv2d({half}, {half}, kernel_size: 3, padding: 1, bias: false);");
            writer.Line($"Bn2 = nn.BatchNorm2d({half});");
            writer.Line($"Conv3 = nn.Conv2d({half}, {shape.Width}, kernel_size: 3, padding: 1, bias: false);");
            writer.Line($"Bn3 = nn.BatchNorm2d({shape.Width});");
            var inplanes = shape.Width;
            for (var stage = 0; stage < 4; stage++)
            {
                var planes = shape.Planes(stage);
                writer.Line($"Layer{stage + 1} = new ModuleList<ClipBottleneck>(").Indent();
                for (var b = 0; b < shape.Layers[stage]; b++)
                {
                    var stride = b == 0 && stage > 0 ? 2 : 1;
                    var separator = b == shape.Layers[stage] - 1 ? ");" : ",";
                    writer.Line($"new ClipBottleneck(inplanes: {inplanes}, planes: {planes}, stride: {stride}){separator}");
                    inplanes = planes * 4;
                }
                writer.Outdent();
            }
            writer.Line($"Attnpool = new AttentionPool2d(spacialDim: {shape.PoolGrid}, embedDim: {shape.EmbedDim}, numHeads: {shape.Heads}, outputDim: {shape.OutputDim});");
            for (var i = 1; i <= 3; i++)
            {
                writer.Line($"register_module(\"conv{i}\", Conv{i});");
                writer.Line($"register_module(\"bn{i}\", Bn{i});");
            }
            for (var i = 1; i <= 4; i++)
                writer.Line($"register_module(\"layer{i}\", Layer{i});");
            writer.Line("register_module(\"attnpool\", Attnpool);");
            BackboneMembersEmitter.ApplyFreezing(writer, "FrozenStages(fixLayers ?? Config.FixLayers)", "Attnpool.parameters()");
            writer.Close();
            writer.Line();

            for (var i = 1; i <= 3; i++)
            {
                writer.Line($"public Conv2d Conv{i} {{ get; }}");
                writer.Line();
                writer.Line($"public BatchNorm2d Bn{i} {{ get; }}");
                writer.Line();
            }
            for (var i = 1; i <= 4; i++)
            {
                writer.Line($"public ModuleList<ClipBottleneck> Layer{i} {{ get; }}");
                writer.Line();
            }
            writer.Line("/// <summary>CLIP's attention pool; OVSAM applies it to RoI-pooled layer4 features of the pool's grid size.</summary>");
            writer.Line("public AttentionPool2d Attnpool { get; }");
            writer.Line();
            writer.Line($"public {config} Config => {config}.Default;");
            writer.Line();
            writer.Line("protected override IModelConfig ModelConfig => Config;");
            writer.Line();
            writer.Line("public override global::System.Collections.Generic.IReadOnlyList<FeatureInfo> FeatureInfo => Features;");
            writer.Line();

            writer.Line($"/// <summary>Runs the stem and the four stages on an NCHW batch with sides of at least {OpenClipResNetShape.MinimumSide} (OpenCLIPBackbone.forward); strided steps floor as upstream's.</summary>");
            writer.Open("public override BackboneOutput forward(Tensor images)");
            writer.Line($"RequireImageBatch(images, channels: 3, minimumSide: {OpenClipResNetShape.MinimumSide});");
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line($"var ({string.Join(", ", outputs)}) = Stages(images);");
            writer.Line($"scope.MoveToOuter({string.Join(", ", outputs)});");
            writer.Line($"return new BackboneOutput(Features, new[] {{ {string.Join(", ", outputs)} }});");
            writer.Close();
            writer.Line();

            var (smallest, largest) = shape.PoolImageSides;
            writer.Line($"/// <summary>The CLIP image embedding (N, {shape.OutputDim}): the whole tower with its attention pool, whose position embedding needs a layer4 map of {shape.PoolGrid * shape.PoolGrid} positions, as square images of sides {smallest}-{largest} give.</summary>");
            writer.Open("public Tensor Embed(Tensor images)");
            writer.Line($"RequireImageBatch(images, channels: 3, minimumSide: {OpenClipResNetShape.MinimumSide});");
            writer.Line("var (poolHeight, poolWidth) = ((images.shape[2] + 1) / 2 / 16, (images.shape[3] + 1) / 2 / 16);");
            writer.Line($"if (poolHeight * poolWidth != {shape.PoolGrid * shape.PoolGrid})");
            writer.Line($"    throw new global::System.ArgumentException($\"{{Name}}'s attention pool has position embeddings for a {shape.PoolGrid}x{shape.PoolGrid} layer4 map (square images of sides {smallest}-{largest}); a {{images.shape[2]}}x{{images.shape[3]}} image gives a {{poolHeight}}x{{poolWidth}} map.\", nameof(images));");
            BackboneMembersEmitter.FixedForwardScope(writer);
            writer.Line("using var scope = NewDisposeScope();");
            writer.Line("var (_, _, _, layer4) = Stages(images);");
            writer.Line("return Attnpool.call(layer4).MoveToOuterDisposeScope();");
            writer.Close();
            writer.Line();

            writer.Open("private (Tensor, Tensor, Tensor, Tensor) Stages(Tensor images)");
            writer.Line("var x = images;");
            for (var i = 1; i <= 3; i++)
                writer.Line($"x = global::ModelGen.Models.Layers.Common.Relu.Apply(Bn{i}.call(Conv{i}.call(x)));");
            writer.Line("x = nn.functional.avg_pool2d(x, [2, 2]);");
            for (var stage = 0; stage < 4; stage++)
            {
                writer.Line();
                writer.Line($"// {outputs[stage]}: {shape.Layers[stage]} bottleneck(s) of {shape.Planes(stage)} planes, stride {OpenClipResNetShape.Reductions[stage]}");
                for (var b = 0; b < shape.Layers[stage]; b++)
                    writer.Line($"x = RunBlock(Layer{stage + 1}[{b}], x);");
                writer.Line($"var {outputs[stage]} = x;");
            }
            writer.Line($"return ({string.Join(", ", outputs)});");
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>The modules of the frozen stages (upstream fix_layers): each listed stage, and the stem with stage 0.</summary>");
            writer.Open("private global::System.Collections.Generic.IReadOnlyList<nn.Module> FrozenStages(global::System.Collections.Generic.IReadOnlyList<int>? stages)");
            writer.Line("var modules = new global::System.Collections.Generic.List<nn.Module>();");
            writer.Open("foreach (var stage in stages ?? global::System.Array.Empty<int>())");
            writer.Line("if (stage == 0)");
            writer.Line("    modules.AddRange(new nn.Module[] { Conv1, Bn1, Conv2, Bn2, Conv3, Bn3 });");
            writer.Line("modules.Add(stage switch");
            writer.Line("{").Indent();
            for (var i = 0; i < 4; i++)
                writer.Line($"{i} => Layer{i + 1},");
            writer.Line("_ => throw new global::System.ArgumentOutOfRangeException(nameof(stages), stage, \"fixLayers lists the stages 0-3 of the ResNet.\"),");
            writer.Outdent().Line("});");
            writer.Close();
            writer.Line("return modules;");
            writer.Close();
            writer.Line();

            BackboneMembersEmitter.CloseClass(writer, unit);
        }
    }
}
