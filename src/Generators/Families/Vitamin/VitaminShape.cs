using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.Vitamin
{
    /// <summary>The bound vitamin fields resolved to sizes: the variant's widths, the layer layout and every derived width.</summary>
    internal sealed class VitaminShape
    {
        /// <summary>Upstream's <c>MbConvStages.CONFIG</c>: stem width, embed dims, depths.</summary>
        public static readonly IReadOnlyDictionary<string, (int StemWidth, int[] EmbedDims, int[] Depths)> Variants =
            new Dictionary<string, (int, int[], int[])>
            {
                ["tiny"] = (32, new[] { 32, 64, 192 }, new[] { 2, 4, 1 }),
                ["small"] = (64, new[] { 64, 128, 384 }, new[] { 2, 4, 1 }),
                ["base"] = (128, new[] { 128, 256, 768 }, new[] { 2, 4, 1 }),
                ["large"] = (160, new[] { 160, 320, 1024 }, new[] { 2, 4, 1 }),
            };

        /// <summary>Expansion ratio of the conv-stage MBConv blocks (upstream's default, never overridden).</summary>
        public const double ConvStageExpandRatio = 4.0;

        /// <summary>LayerNorm epsilon of every norm in the backbone.</summary>
        public const double NormEps = 1e-6;

        public string? ModelVariant { get; private set; }
        public int StemWidth { get; private set; }
        public IReadOnlyList<int> EmbedDims { get; private set; } = new int[0];
        public IReadOnlyList<int> Depths { get; private set; } = new int[0];
        public int ImageHeight { get; private set; }
        public int ImageWidth { get; private set; }
        public string AttnType { get; private set; } = "";
        public int Depth { get; private set; }
        public double MlpRatio { get; private set; }
        public int NumHeads { get; private set; }
        public IReadOnlyList<int> GlobalAttnIndexes { get; private set; } = new int[0];
        public bool WithPosEmbd { get; private set; }
        public bool AdditionalFinalLayers { get; private set; }

        /// <summary>Whether the conv-stage and token widths are known.</summary>
        public bool HasSizes => EmbedDims.Count == 3;

        /// <summary>Token width (the third embed dim).</summary>
        public int EmbedDim => EmbedDims[2];

        public int PosEmbedHeight => ImageHeight / 16;

        public int PosEmbedWidth => ImageWidth / 16;

        /// <summary>Whether the layout uses <see cref="GlobalAttnIndexes"/> at all.</summary>
        public bool IsHybrid => AttnType != "transformer" && AttnType != "rwkv";

        public IReadOnlyList<VitaminLayerKind> LayerKinds => Enumerable.Range(0, Depth).Select(KindOf).ToArray();

        /// <summary>The layer after which upstream takes its intermediate output, or null when a final layer replaces it.</summary>
        public int? IntermediateIndex => AdditionalFinalLayers ? (int?)null : Depth / 2;

        /// <summary>RWKV channel-mix hidden width, upstream's <c>hidden_rate * n_embd</c>.</summary>
        public double RwkvHiddenExact => MlpRatio * EmbedDim;

        public int RwkvHidden => (int)RwkvHiddenExact;

        /// <summary>GeGLU width of transformer layers, upstream's <c>int(mlp_ratio * embed_dims)</c>.</summary>
        public int FeedforwardChannels => (int)(MlpRatio * EmbedDim);

        /// <summary>Middle width of the token-layer MBConv blocks, <c>make_divisible(out_chs * expand_ratio)</c>.</summary>
        public int TokenMbConvMid => MakeDivisible(EmbedDim * MlpRatio);

        /// <summary>The conv stages' blocks: (input channels, output channels, stride, middle channels).</summary>
        public IReadOnlyList<IReadOnlyList<(int In, int Out, int Stride, int Mid)>> ConvStages
        {
            get
            {
                var stages = new List<IReadOnlyList<(int, int, int, int)>>();
                for (var s = 0; s < 2; s++)
                {
                    var stageIn = s > 0 ? EmbedDims[s - 1] : StemWidth;
                    var dim = EmbedDims[s];
                    stages.Add(Enumerable.Range(0, Depths[s])
                        .Select(d => (d == 0 ? stageIn : dim, dim, d == 0 ? 2 : 1, MakeDivisible(dim * ConvStageExpandRatio)))
                        .ToArray());
                }
                return stages;
            }
        }

        public int FinalLayerMid => MakeDivisible(EmbedDim * 2 * ConvStageExpandRatio);

        /// <summary>
        /// The forward outputs, upstream's tuple: both conv stages, the intermediate token layer (unless a final layer
        /// replaces it), the final norm, and the final layer. Every stride-2 step pads, so sides round up.
        /// </summary>
        public IReadOnlyList<OutputFeature> Features
        {
            get
            {
                var features = new List<OutputFeature>
                {
                    new OutputFeature("conv_stage1", EmbedDims[0], 4, GridRule.Ceil(4)),
                    new OutputFeature("conv_stage2", EmbedDims[1], 8, GridRule.Ceil(8)),
                };
                if (IntermediateIndex is int middle)
                    features.Add(new OutputFeature($"layer{middle}", EmbedDim, 16, GridRule.Ceil(16)));
                features.Add(new OutputFeature("final_norm", EmbedDim, 16, GridRule.Ceil(16)));
                if (AdditionalFinalLayers)
                    features.Add(new OutputFeature("final_layer", EmbedDim * 2, 32, GridRule.Ceil(32)));
                return features;
            }
        }

        public VitaminLayerKind KindOf(int index)
        {
            var global = GlobalAttnIndexes.Contains(index);
            switch (AttnType)
            {
                case "transformer": return VitaminLayerKind.TransformerLayer;
                case "rwkv": return VitaminLayerKind.RwkvBlock;
                case "rwkv_trans": return global ? VitaminLayerKind.TransformerLayer : VitaminLayerKind.RwkvBlock;
                case "mbconv_rwkv": return global ? VitaminLayerKind.RwkvBlock : VitaminLayerKind.MbConv1d;
                case "rwkv_mbconv": return global ? VitaminLayerKind.MbConv1d : VitaminLayerKind.RwkvBlock;
                default: throw new InvalidOperationException($"Unknown attnType '{AttnType}'.");
            }
        }

        /// <summary>timm's <c>make_divisible(v, 8)</c>: round to a multiple of 8, never more than 10% below v.</summary>
        public static int MakeDivisible(double value, int divisor = 8)
        {
            var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
            return rounded < 0.9 * value ? rounded + divisor : rounded;
        }

        /// <summary>
        /// The shape. When neither a variant nor a complete explicit size set is given (the family
        /// reports that), the widths are empty and <see cref="HasSizes"/> is false.
        /// </summary>
        public static VitaminShape From(BoundObject fields)
        {
            var attn = fields.Object("attnCfg");
            var attnType = fields.String("attnType");
            var shape = new VitaminShape
            {
                ImageHeight = (int)fields.Integers("imageSize")[0],
                ImageWidth = (int)fields.Integers("imageSize")[1],
                AttnType = attnType,
                Depth = (int)attn.Integer("depth"),
                MlpRatio = attn.Has("mlpRatio") ? attn.Number("mlpRatio") : DefaultMlpRatio(attnType),
                NumHeads = (int)attn.Integer("numHeads"),
                GlobalAttnIndexes = attn.Integers("globalAttnIndexes").Select(i => (int)i).ToArray(),
                WithPosEmbd = fields.Boolean("withPosEmbd"),
                AdditionalFinalLayers = fields.Boolean("additionalFinalLayers"),
            };
            if (fields.Has("modelVariant"))
            {
                var variant = Variants[fields.String("modelVariant")];
                shape.ModelVariant = fields.String("modelVariant");
                shape.StemWidth = variant.StemWidth;
                shape.EmbedDims = variant.EmbedDims;
                shape.Depths = variant.Depths;
                return shape;
            }
            if (!fields.Has("stemWidth") || !fields.Has("embedDims") || !fields.Has("depths"))
                return shape;
            shape.StemWidth = (int)fields.Integer("stemWidth");
            shape.EmbedDims = fields.Integers("embedDims").Select(i => (int)i).ToArray();
            shape.Depths = fields.Integers("depths").Select(i => (int)i).ToArray();
            return shape;
        }

        /// <summary>Upstream's <c>attn_cfg.get('mlp_ratio', ...)</c>: 2 for the transformer layout, 4 for every other.</summary>
        public static double DefaultMlpRatio(string attnType) => attnType == "transformer" ? 2.0 : 4.0;
    }
}
