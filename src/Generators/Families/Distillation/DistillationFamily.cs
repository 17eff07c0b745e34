using System.Collections.Generic;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.Distillation
{
    /// <summary>
    /// The <c>distillation</c> family: a composition of upstream's <c>BackboneDistillation</c> detector (OVSAM's
    /// SAM2CLIP, RWKV-SAM's backbone distillation) from backbones other specs declare, a teacher neck and a student
    /// neck, with the loss, input pipeline and schedule of its config. Its specs generate a
    /// <c>DistillationComposition</c> of ModelGen.Training, never a backbone.
    /// </summary>
    internal static class DistillationFamily
    {
        public const string Name = "distillation";

        public const string Summary = "A distillation composition (upstream BackboneDistillation): a teacher and a student backbone declared by other specs, their necks, loss, input and recipe";

        public const string LastLayerNeck = "LastLayerNeck";
        public const string LastLayerProjNeck = "LastLayerProjNeck";
        public const string MultiLayerTransformerNeck = "MultiLayerTransformerNeck";

        /// <summary>SAM's normalisation (segment-anything's pixel_mean / pixel_std on 0-255 pixels), upstream's data_preprocessor.</summary>
        private static readonly double[] SamMean = { 123.675, 116.28, 103.53 };
        private static readonly double[] SamStd = { 58.395, 57.12, 57.375 };

        public static IReadOnlyList<FieldDefinition> Fields { get; } = new[]
        {
            new FieldDefinition("upstreamConfig", FieldKind.String, "The upstream config this spec corresponds to (a path in HarborYuan/ovsam), for reference").WithDefault(""),
            new FieldDefinition("useCache", FieldKind.Boolean, "Upstream use_cache: the teacher's features are computed once and read back, so training does not run the teacher").WithDefault(true),
            new FieldDefinition("teacher", FieldKind.Object, "The teacher backbone (upstream backbone_teacher)").WithChildren(new[]
            {
                Backbone("teacher"),
                new FieldDefinition("fix", FieldKind.Boolean, "Freeze the teacher (upstream fix=True)").WithDefault(true),
                Pretrained(),
            }),
            new FieldDefinition("teacherNeck", FieldKind.TaggedObject, "The teacher's neck (upstream neck_teacher): its output is the distillation target").WithDefault(LastLayerNeck).WithAlternatives(
                new FieldAlternative(LastLayerNeck, "The teacher's last output, unchanged", new FieldDefinition[0])),
            new FieldDefinition("student", FieldKind.Object, "The student backbone (upstream backbone_student)").WithChildren(new[]
            {
                Backbone("student"),
                new FieldDefinition("fix", FieldKind.Boolean, "Freeze the whole student (upstream fix=True)").WithDefault(false),
                new FieldDefinition("fixLayers", FieldKind.Integer, "Freeze the student's first stages (upstream fix_layers; OpenCLIP ResNets only), from 0 to its number of stages").InRange(0, 1024).AsOptional(),
                Pretrained(),
                new FieldDefinition("checkpointPrefix", FieldKind.String, "Key prefix of the student's tensors in a checkpoint given at run time (upstream init_cfg prefix), e.g. \"backbone.\"").AsOptional(),
            }),
            new FieldDefinition("studentNeck", FieldKind.TaggedObject, "The student's neck (upstream neck_student): maps the student's outputs onto the teacher's target").WithAlternatives(
                new FieldAlternative(LastLayerNeck, "The student's last output, unchanged (no parameters)", new FieldDefinition[0]),
                new FieldAlternative(LastLayerProjNeck, "RWKV-SAM's SAM-style projection of the last output, optionally resized", new[]
                {
                    new FieldDefinition("inChannels", FieldKind.Integer, "Channels of the student's last output").InRange(1, 65536),
                    new FieldDefinition("outChannels", FieldKind.Integer, "Output channels (the teacher target's)").InRange(1, 65536),
                    new FieldDefinition("scaleFactor", FieldKind.Number, "Bilinear resize factor after the projection; it divides the output stride").WithDefault(1.0).InRange(double.Epsilon, 64.0),
                }),
                new FieldAlternative(MultiLayerTransformerNeck, "OVSAM's SAM2CLIP neck: levels embedded to stride 16, summed, five SAM blocks and a projection", new[]
                {
                    new FieldDefinition("inChannels", FieldKind.IntegerList, "Channels of every student output, selected or not").InRange(1, 65536),
                    new FieldDefinition("embedChannels", FieldKind.Integer, "Width of the neck's transformer (a multiple of its 16 heads)").InRange(1, 65536),
                    new FieldDefinition("outChannels", FieldKind.Integer, "Output channels (the teacher target's)").InRange(1, 65536),
                    new FieldDefinition("layerIds", FieldKind.IntegerList, "The student outputs the neck reads").WithDefault(new long[] { 0, 1, 2, 3 }.ToEquatableArray()).InRange(0, 1023),
                    new FieldDefinition("strides", FieldKind.IntegerList, "The stride of every student output").WithDefault(new long[] { 4, 8, 16, 32 }.ToEquatableArray()).InRange(1, 1024),
                    new FieldDefinition("fix", FieldKind.Boolean, "Freeze the neck").WithDefault(false),
                    new FieldDefinition("embeddingFrom", FieldKind.Choice, "Start pos_embed from the teacher's pretrained pos_embed (upstream embedding_path naming the teacher's checkpoint); zeros when left out").WithChoices("teacher").AsOptional(),
                })),
            new FieldDefinition("loss", FieldKind.Object, "The distillation loss (upstream loss_distill)").WithChildren(new[]
            {
                new FieldDefinition("kind", FieldKind.Choice, "The loss: mmdet's MSELoss").WithChoices("mse").WithDefault("mse"),
                new FieldDefinition("reduction", FieldKind.Choice, "How the squared errors are reduced").WithChoices("mean", "sum").WithDefault("mean"),
                new FieldDefinition("weight", FieldKind.Number, "The loss weight (loss_weight)").WithDefault(1.0),
            }),
            new FieldDefinition("input", FieldKind.Object, "The images the composition trains on (upstream data pipeline and data_preprocessor)").WithChildren(new[]
            {
                new FieldDefinition("size", FieldKind.IntegerList, "[height, width] images are resized (long side) and padded to (BatchFixedSizePad)").WithLength(2).InRange(1, 16384).WithDefault(new long[] { 1024, 1024 }.ToEquatableArray()),
                new FieldDefinition("mean", FieldKind.NumberList, "Per-channel mean subtracted, on the scale of inputScale").WithLength(3).InRange(0.0, 1e6).WithDefault(SamMean.ToEquatableArray()),
                new FieldDefinition("std", FieldKind.NumberList, "Per-channel standard deviation divided by, on the scale of inputScale").WithLength(3).InRange(double.Epsilon, 1e6).WithDefault(SamStd.ToEquatableArray()),
                new FieldDefinition("inputScale", FieldKind.Number, "Pixel value of full intensity the mean and std refer to").WithDefault(255.0).InRange(double.Epsilon, 65535.0),
                new FieldDefinition("channelOrder", FieldKind.Choice, "Channel order the backbones see (upstream bgr_to_rgb=True: RGB)").WithChoices("RGB", "BGR").WithDefault("RGB"),
                new FieldDefinition("padValue", FieldKind.Number, "Value of the padding, after normalisation").WithDefault(0.0).InRange(-1e6, 1e6),
            }),
            new FieldDefinition("recipe", FieldKind.Object, "The training schedule (upstream optim_wrapper, param_scheduler, train_cfg, auto_scale_lr)").WithChildren(new[]
            {
                new FieldDefinition("learningRate", FieldKind.Number, "AdamW's base learning rate, before scaling to the batch size").WithDefault(1e-4).InRange(double.Epsilon, 10.0),
                new FieldDefinition("weightDecay", FieldKind.Number, "AdamW's weight decay").WithDefault(0.05).InRange(0.0, 10.0),
                new FieldDefinition("normDecayMult", FieldKind.Number, "Factor on the weight decay of normalisation layers (paramwise_cfg.norm_decay_mult)").WithDefault(0.0).InRange(0.0, 10.0),
                new FieldDefinition("beta1", FieldKind.Number, "AdamW's first beta").WithDefault(0.9).InRange(0.0, 0.999999999),
                new FieldDefinition("beta2", FieldKind.Number, "AdamW's second beta").WithDefault(0.999).InRange(0.0, 0.999999999),
                new FieldDefinition("eps", FieldKind.Number, "AdamW's epsilon").WithDefault(1e-8).InRange(double.Epsilon, 1.0),
                new FieldDefinition("maxGradNorm", FieldKind.Number, "Gradient clipping's maximum L2 norm (clip_grad.max_norm); null for no clipping").WithDefault(5.0).AllowingNull(),
                new FieldDefinition("warmupIterations", FieldKind.Integer, "LinearLR's length in iterations (its end)").WithDefault(500L).InRange(1, 1 << 30),
                new FieldDefinition("warmupStartFactor", FieldKind.Number, "LinearLR's start_factor").WithDefault(0.001).InRange(double.Epsilon, 1.0),
                new FieldDefinition("epochs", FieldKind.Integer, "Training epochs (the cosine schedule's length)").WithDefault(24L).InRange(1, 100000),
                new FieldDefinition("etaMinRatio", FieldKind.Number, "CosineAnnealingLR's eta_min_ratio: the final rate over the base rate").WithDefault(0.01).InRange(0.0, 1.0),
                new FieldDefinition("batchSize", FieldKind.Integer, "Images per batch").WithDefault(2L).InRange(1, 65536),
                new FieldDefinition("baseBatchSize", FieldKind.Integer, "auto_scale_lr.base_batch_size the learning rate is scaled against; null for no scaling").WithDefault(16L).InRange(1, 65536).AllowingNull(),
            }),
        };

        private static FieldDefinition Backbone(string part) => new FieldDefinition("backbone", FieldKind.String,
            $"The {part} backbone: a spec's class name (\"SamVitH\"), a built-in spec (\"modelgen:sam/vit_h\") or the relative path of a spec file (\"my_backbone.model.json\")");

        private static FieldDefinition Pretrained() => new FieldDefinition("pretrained", FieldKind.String,
            "The tag of the backbone's pretrained source to initialise it from (one of its spec's 'pretrained' tags)").AsOptional();
    }
}
