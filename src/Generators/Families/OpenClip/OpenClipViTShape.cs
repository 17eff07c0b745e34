using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>The bound openclip-vit fields as numbers, with the sizes derived from them.</summary>
    internal sealed class OpenClipViTShape
    {
        /// <summary>OpenCLIPBackbone's <c>F.interpolate</c> scale factors, one output each.</summary>
        public static readonly double[] OutputScales = { 4.0, 2.0, 1.0, 0.5 };

        public static readonly string[] OutputNames = { "upsample4", "upsample2", "tokens", "downsample2" };

        public int ImageSize { get; private set; }
        public int PatchSize { get; private set; }
        public int Width { get; private set; }
        public int Layers { get; private set; }

        /// <summary>The heads written in the spec, or open_clip's <c>width // head_width</c> with head_width 64.</summary>
        public int Heads { get; private set; }

        public bool HeadsGiven { get; private set; }
        public double MlpRatio { get; private set; }
        public int OutputDim { get; private set; }
        public bool QuickGelu { get; private set; }

        /// <summary>The LayerScale initial value, or null for blocks without LayerScale.</summary>
        public double? LsInitValue { get; private set; }

        public bool GlobalAveragePool { get; private set; }
        public bool InputPatchnorm { get; private set; }
        public bool AttentionalPool { get; private set; }

        public int Grid => ImageSize / PatchSize;

        /// <summary>Upstream's <c>int(d_model * mlp_ratio)</c>.</summary>
        public int MlpDim => (int)(Width * MlpRatio);

        /// <summary>The patch tokens at each of <see cref="OutputScales"/>: the floored patch grid, resized and floored again.</summary>
        public IReadOnlyList<OutputFeature> Features => OutputScales
            .Select((scale, i) => new OutputFeature(OutputNames[i], Width, PatchSize / scale, GridRule.Floor(PatchSize, scale)))
            .ToArray();

        public static OpenClipViTShape From(BoundObject fields)
        {
            var width = (int)fields.Integer("width");
            var headsGiven = fields.Has("heads");
            return new OpenClipViTShape
            {
                ImageSize = (int)fields.Integer("imageSize"),
                PatchSize = (int)fields.Integer("patchSize"),
                Width = width,
                Layers = (int)fields.Integer("layers"),
                HeadsGiven = headsGiven,
                Heads = headsGiven ? (int)fields.Integer("heads") : width / 64,
                MlpRatio = fields.Number("mlpRatio"),
                OutputDim = (int)fields.Integer("outputDim"),
                QuickGelu = fields.String("act") == "quick_gelu",
                LsInitValue = fields.Has("lsInitValue") ? fields.Number("lsInitValue") : (double?)null,
                GlobalAveragePool = fields.Boolean("globalAveragePool"),
                InputPatchnorm = fields.Boolean("inputPatchnorm"),
                AttentionalPool = fields.Boolean("attentionalPool"),
            };
        }
    }
}
