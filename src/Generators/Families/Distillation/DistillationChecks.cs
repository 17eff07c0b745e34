using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;
using static System.FormattableString;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>
    /// The checks of a composition against the backbones it names, at compile time: what would otherwise fail when
    /// the composition is built or first run (a neck that does not fit its backbone, a student output of another
    /// shape than the teacher's target, an input size a part does not take) or silently do nothing (a student with
    /// nothing to train).
    /// </summary>
    internal static class DistillationChecks
    {
        public static void Validate(BoundObject fields, BackboneSummary teacher, BackboneSummary student, DiagnosticBag diagnostics)
        {
            var teacherPart = fields.Object("teacher");
            var studentPart = fields.Object("student");
            var neck = fields.Object("studentNeck");
            var input = fields.Object("input");
            var size = input.Integers("size");
            var height = (int)size[0];
            var width = (int)size[1];

            CheckPretrained(teacherPart, "teacher", teacher, diagnostics);
            WarnUnfixedTeacher(teacherPart, teacher, diagnostics);
            CheckPretrained(studentPart, "student", student, diagnostics);
            CheckFixLayers(studentPart, student, diagnostics);
            CheckCheckpointPrefix(studentPart, diagnostics);
            var accepted = CheckInputSize(input, "teacher", teacher, height, width, diagnostics) & CheckInputSize(input, "student", student, height, width, diagnostics);
            WarnResampledPositionEmbedding(input, "teacher", teacher, height, width, diagnostics);
            WarnResampledPositionEmbedding(input, "student", student, height, width, diagnostics);
            CheckNothingTrainable(studentPart, neck, student, diagnostics);
            if (!accepted)
                return;

            var fits = neck.String("kind") switch
            {
                DistillationFamily.LastLayerProjNeck => CheckLastLayerProjNeck(neck, student, diagnostics),
                DistillationFamily.MultiLayerTransformerNeck => CheckMultiLayerTransformerNeck(neck, input, student, teacher, height, width, diagnostics),
                _ => true,
            };
            if (fits)
                CheckAgainstTeacher(neck, teacher, student, height, width, diagnostics);
        }

        private static void CheckPretrained(BoundObject part, string partName, BackboneSummary backbone, DiagnosticBag diagnostics)
        {
            var tag = part.OptionalString("pretrained");
            if (tag is null || backbone.PretrainedTags.Contains(tag))
                return;
            var tags = backbone.PretrainedTags;
            var suggestion = NameSuggestions.Closest(tag, tags);
            diagnostics.Add(DiagnosticDescriptors.InvalidChoice, part.SpanOf("pretrained"), tags.Count == 0
                ? $"'{partName}.pretrained' is \"{tag}\", but {backbone.ClassName} has no pretrained sources; leave 'pretrained' out (it starts from its initialisation or a checkpoint given at run time)."
                : $"'{partName}.pretrained' is \"{tag}\", which is not a pretrained source of {backbone.ClassName}; its tags are {Quoted(tags)}.{(suggestion is null ? "" : $" Did you mean \"{suggestion}\"?")}");
        }

        /// <summary>The teacher is the target: BackboneDistillation runs it without gradients, so unfreezing it only keeps it in training mode.</summary>
        private static void WarnUnfixedTeacher(BoundObject teacher, BackboneSummary backbone, DiagnosticBag diagnostics)
        {
            if (!teacher.Boolean("fix"))
                diagnostics.Add(DiagnosticDescriptors.SuspiciousLayout, teacher.SpanOf("fix"), $"'teacher.fix' is false, but the teacher {backbone.ClassName} is the distillation target and always runs without gradients, so it never trains; unfixed it only stays in training mode (dropout, BatchNorm statistics move). Leave 'fix' true, as upstream's configs do.");
        }

        private static void CheckFixLayers(BoundObject student, BackboneSummary backbone, DiagnosticBag diagnostics)
        {
            if (student.OptionalInteger("fixLayers") is not long fixLayers)
                return;
            if (backbone.Geometry.FixLayerStages is not int stages)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, student.SpanOf("fixLayers"), $"'fixLayers' freezes stages of an OpenCLIP ResNet, but {backbone.ClassName} (family {backbone.Family}) has no fixLayers; remove it, or freeze the whole student with 'fix': true.");
            else if (fixLayers > stages)
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, student.SpanOf("fixLayers"), $"'fixLayers' is {fixLayers}, but {backbone.ClassName} has {stages} stages; give 0 to {stages}.");
        }

        private static void CheckCheckpointPrefix(BoundObject student, DiagnosticBag diagnostics)
        {
            if (student.OptionalString("checkpointPrefix") is string prefix && (prefix.Length == 0 || !SharedFields.IsPrefix(prefix)))
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, student.SpanOf("checkpointPrefix"), $"'checkpointPrefix' \"{prefix}\" is not a key prefix; write the dotted path with its final dot, e.g. \"backbone.\", or leave it out for none.");
        }

        /// <summary>The sides the generated forward takes; false (reported) when the input size is smaller.</summary>
        private static bool CheckInputSize(BoundObject input, string partName, BackboneSummary backbone, int height, int width, DiagnosticBag diagnostics)
        {
            var minimum = backbone.Geometry.MinimumInputSide;
            if (height >= minimum && width >= minimum)
                return true;
            diagnostics.Add(DiagnosticDescriptors.Inconsistent, input.SpanOf("size"), $"'input.size' [{height}, {width}] is smaller than the {partName} {backbone.ClassName} takes: its forward needs sides of at least {minimum}. Use at least [{System.Math.Max(height, minimum)}, {System.Math.Max(width, minimum)}].");
            return false;
        }

        private static void WarnResampledPositionEmbedding(BoundObject input, string partName, BackboneSummary backbone, int height, int width, DiagnosticBag diagnostics)
        {
            if (backbone.Geometry.PositionEmbedding is not PositionEmbedding embedding || (embedding.ImageHeight == height && embedding.ImageWidth == width))
                return;
            diagnostics.Add(DiagnosticDescriptors.SuspiciousLayout, input.SpanOf("size"), $"'input.size' [{height}, {width}] is not the {embedding.ImageHeight}x{embedding.ImageWidth} the {partName} {backbone.ClassName}'s position embedding is sized for: its forward resamples the embedding on every call, so the {partName} does not see the inputs it was trained on. Use [{embedding.ImageHeight}, {embedding.ImageWidth}] unless this is intended.");
        }

        private static void CheckNothingTrainable(BoundObject student, BoundObject neck, BackboneSummary backbone, DiagnosticBag diagnostics)
        {
            var fixLayers = student.OptionalInteger("fixLayers");
            var allStagesFixed = fixLayers is long n && backbone.Geometry.FixLayerStages is int stages && n >= stages;
            var kind = neck.String("kind");
            var neckTrains = kind == DistillationFamily.LastLayerProjNeck || (kind == DistillationFamily.MultiLayerTransformerNeck && !neck.Boolean("fix"));
            if (neckTrains || (!student.Boolean("fix") && !allStagesFixed))
                return;
            var why = student.Boolean("fix") ? $"the student {backbone.ClassName} is fixed" : $"'fixLayers' {fixLayers} freezes every stage of {backbone.ClassName}";
            var neckWhy = kind == DistillationFamily.LastLayerNeck ? "the LastLayerNeck has no parameters" : "the student neck is fixed";
            var span = student.Boolean("fix") ? student.SpanOf("fix") : student.SpanOf("fixLayers");
            diagnostics.Add(DiagnosticDescriptors.NothingTrainable, span, $"Nothing in the student would train: {why} and {neckWhy}. Unfreeze the student ('fix': false{(fixLayers is null ? "" : ", fewer 'fixLayers'")}) or give it a neck that trains (LastLayerProjNeck, or a MultiLayerTransformerNeck without 'fix').");
        }

        private static bool CheckLastLayerProjNeck(BoundObject neck, BackboneSummary student, DiagnosticBag diagnostics)
        {
            var last = student.Geometry.Features[student.Geometry.Features.Count - 1];
            var inChannels = neck.Integer("inChannels");
            if (inChannels == last.Channels)
                return true;
            diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, neck.SpanOf("inChannels"), $"'inChannels' is {inChannels}, but the student {student.ClassName}'s last output '{last.Name}', which LastLayerProjNeck projects, has {last.Channels} channels; set 'inChannels' {last.Channels}.");
            return false;
        }

        private static bool CheckMultiLayerTransformerNeck(BoundObject neck, BoundObject input, BackboneSummary student, BackboneSummary teacher, int height, int width, DiagnosticBag diagnostics)
        {
            var features = student.Geometry.Features;
            var outputs = Describe(features);
            var inChannels = neck.Integers("inChannels");
            var layerIds = neck.Integers("layerIds");
            var strides = neck.Integers("strides");
            var embedChannels = neck.Integer("embedChannels");
            var ok = true;

            if (height < 16 || width < 16)
            {
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, input.SpanOf("size"), $"'input.size' [{height}, {width}] is smaller than a MultiLayerTransformerNeck takes: its grid is the input size over its stride 16. Use at least [{System.Math.Max(height, 16)}, {System.Math.Max(width, 16)}].");
                ok = false;
            }

            if (embedChannels % 16 != 0)
            {
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, neck.SpanOf("embedChannels"), $"'embedChannels' {embedChannels} is not a multiple of the 16 heads of the neck's SAM blocks; use {System.Math.Max(16, embedChannels / 16 * 16)} or {(embedChannels / 16 + 1) * 16}.");
                ok = false;
            }
            if (inChannels.Count != features.Count)
            {
                diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, neck.SpanOf("inChannels"), $"'inChannels' lists {inChannels.Count} outputs, but the student {student.ClassName} has {features.Count}: {outputs}. Give the channels of every output: [{string.Join(", ", features.Select(f => f.Channels))}].");
                ok = false;
            }
            else
            {
                for (var i = 0; i < inChannels.Count; i++)
                {
                    if (inChannels[i] == features[i].Channels)
                        continue;
                    diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, neck.SpanOfItem("inChannels", i), $"'inChannels' item {i} is {inChannels[i]}, but the student {student.ClassName}'s output {i} '{features[i].Name}' has {features[i].Channels} channels (its outputs: {outputs}); use [{string.Join(", ", features.Select(f => f.Channels))}].");
                    ok = false;
                }
            }

            for (var i = 0; i < layerIds.Count; i++)
            {
                var id = layerIds[i];
                if (id >= features.Count)
                {
                    diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, neck.SpanOfItem("layerIds", i), $"'layerIds' item {id} is no output of the student {student.ClassName}, which has {features.Count} (0 to {features.Count - 1}): {outputs}.");
                    ok = false;
                    continue;
                }
                if (layerIds.Take(i).Contains(id))
                {
                    diagnostics.Add(DiagnosticDescriptors.InvalidStageIndexes, neck.SpanOfItem("layerIds", i), $"'layerIds' lists {id} twice; list each output once.");
                    ok = false;
                    continue;
                }
                if (id >= strides.Count)
                {
                    diagnostics.Add(DiagnosticDescriptors.Inconsistent, neck.SpanOf("strides"), $"'strides' gives {strides.Count} strides, none for output {id} that 'layerIds' reads; give the stride of every output: [{string.Join(", ", features.Select(f => Number(f.Reduction)))}].");
                    ok = false;
                    continue;
                }
                var stride = strides[(int)id];
                var feature = features[(int)id];
                if (stride != feature.Reduction)
                {
                    diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, neck.SpanOfItem("strides", (int)id), $"'strides' item {id} is {stride}, but the student {student.ClassName}'s output {id} '{feature.Name}' has stride {Number(feature.Reduction)} (its outputs: {outputs}); use [{string.Join(", ", features.Select(f => Number(f.Reduction)))}].");
                    ok = false;
                }
                else if (16 % stride != 0 && stride % 16 != 0)
                {
                    diagnostics.Add(DiagnosticDescriptors.Inconsistent, neck.SpanOfItem("strides", (int)id), $"Output {id} has stride {stride}, which neither divides the neck's stride 16 nor is a multiple of it, so it cannot be embedded to the neck's grid; leave it out of 'layerIds'.");
                    ok = false;
                }
            }
            if (!ok)
                return false;

            var grid = (height / 16, width / 16);
            foreach (var id in layerIds)
            {
                var feature = features[(int)id];
                var side = (feature.Grid.Side(height), feature.Grid.Side(width));
                var stride = (int)strides[(int)id];
                var embedded = stride < 16 ? (side.Item1 / (16 / stride), side.Item2 / (16 / stride)) : (side.Item1 * (stride / 16), side.Item2 * (stride / 16));
                if (embedded == grid)
                    continue;
                diagnostics.Add(DiagnosticDescriptors.NeckDoesNotFitBackbone, input.SpanOf("size"), $"At 'input.size' [{height}, {width}] the neck's grid is {grid.Item1}x{grid.Item2}, but the student's output {id} '{feature.Name}' is {side.Item1}x{side.Item2} at stride {stride}, which the neck embeds to {embedded.Item1}x{embedded.Item2}; use an input size whose sides are multiples of {features.Where((_, i) => layerIds.Contains(i)).Max(f => (int)f.Reduction)}.");
                return false;
            }

            if (neck.OptionalString("embeddingFrom") is null)
                return true;
            var span = neck.SpanOf("embeddingFrom");
            if (teacher.Geometry.PositionEmbedding is not PositionEmbedding { IsSamPosEmbed: true } embedding)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, span, $"'embeddingFrom' \"teacher\" copies the teacher's SAM pos_embed, but the teacher {teacher.ClassName} (family {teacher.Family}) has none; leave 'embeddingFrom' out.");
            else if (embedding.Channels != embedChannels)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, span, $"'embeddingFrom' \"teacher\" copies the teacher {teacher.ClassName}'s pos_embed, which has {embedding.Channels} channels, but 'embedChannels' is {embedChannels}; set 'embedChannels' {embedding.Channels}.");
            else if ((embedding.GridHeight, embedding.GridWidth) != grid)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, span, $"'embeddingFrom' \"teacher\" copies the teacher {teacher.ClassName}'s {embedding.GridHeight}x{embedding.GridWidth} pos_embed, but at 'input.size' [{height}, {width}] the neck's grid is {grid.Item1}x{grid.Item2}; use 'input.size' [{embedding.GridHeight * 16}, {embedding.GridWidth * 16}].");
            else
                return true;
            return false;
        }

        /// <summary>The student neck's output (channels, stride and grid at the input size) against the teacher neck's, the teacher's last output.</summary>
        private static void CheckAgainstTeacher(BoundObject neck, BackboneSummary teacher, BackboneSummary student, int height, int width, DiagnosticBag diagnostics)
        {
            var target = teacher.Geometry.Features[teacher.Geometry.Features.Count - 1];
            var targetGrid = (target.Grid.Side(height), target.Grid.Side(width));
            var last = student.Geometry.Features[student.Geometry.Features.Count - 1];
            var lastGrid = (last.Grid.Side(height), last.Grid.Side(width));
            var kind = neck.String("kind");

            int channels;
            double stride;
            (int, int) grid;
            SourceSpan channelSpan, gridSpan;
            string fix;
            switch (kind)
            {
                case DistillationFamily.LastLayerProjNeck:
                    channels = (int)neck.Integer("outChannels");
                    var scale = neck.Number("scaleFactor");
                    stride = last.Reduction / scale;
                    grid = ((int)System.Math.Floor(lastGrid.Item1 * scale), (int)System.Math.Floor(lastGrid.Item2 * scale));
                    channelSpan = neck.SpanOf("outChannels");
                    gridSpan = neck.Get("scaleFactor").IsDefault ? neck.SpanOf("kind") : neck.SpanOf("scaleFactor");
                    fix = $"set 'scaleFactor' {Number(last.Reduction / target.Reduction)} to resize the projection to the teacher's stride";
                    break;
                case DistillationFamily.MultiLayerTransformerNeck:
                    channels = (int)neck.Integer("outChannels");
                    stride = 16;
                    grid = (height / 16, width / 16);
                    channelSpan = neck.SpanOf("outChannels");
                    gridSpan = neck.SpanOf("kind");
                    fix = "use a teacher whose target is at stride 16, or another neck";
                    break;
                default:
                    channels = last.Channels;
                    stride = last.Reduction;
                    grid = lastGrid;
                    channelSpan = neck.SpanOf("kind");
                    gridSpan = neck.SpanOf("kind");
                    fix = "use a LastLayerProjNeck with a 'scaleFactor', or a student at the teacher's stride";
                    break;
            }

            if (channels != target.Channels)
                diagnostics.Add(DiagnosticDescriptors.StudentDoesNotMatchTeacher, channelSpan, kind == DistillationFamily.LastLayerNeck
                    ? $"The student neck passes on {student.ClassName}'s '{last.Name}' with {channels} channels, but the teacher target ({teacher.ClassName}'s '{target.Name}') has {target.Channels}; use a LastLayerProjNeck with 'inChannels' {last.Channels} and 'outChannels' {target.Channels}."
                    : $"'outChannels' is {channels}, but the teacher target ({teacher.ClassName}'s '{target.Name}') has {target.Channels} channels; set 'outChannels' {target.Channels}.");
            if (grid != targetGrid)
                diagnostics.Add(DiagnosticDescriptors.StudentDoesNotMatchTeacher, gridSpan, $"At 'input.size' [{height}, {width}] the student neck's output is {grid.Item1}x{grid.Item2} (stride {Number(stride)}), but the teacher target ({teacher.ClassName}'s '{target.Name}') is {targetGrid.Item1}x{targetGrid.Item2} (stride {Number(target.Reduction)}); {fix}.");
        }

        private static string Describe(IReadOnlyList<OutputFeature> features) =>
            string.Join(", ", features.Select((f, i) => $"{i} '{f.Name}' {f.Channels} channels at stride {Number(f.Reduction)}"));

        private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"\"{v}\""));

        private static string Number(double value) => Invariant($"{value:0.###}");
    }
}
