using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families.OpenClip
{
    /// <summary>The bound openclip-resnet fields as numbers, with the sizes derived from them.</summary>
    internal sealed class OpenClipResNetShape
    {
        /// <summary>Stem stride 2, stem average pool 2; layer2-4 each halve again.</summary>
        public static readonly int[] Reductions = { 4, 8, 16, 32 };

        public IReadOnlyList<int> Layers { get; private set; } = new int[0];
        public int Width { get; private set; }
        public int OutputDim { get; private set; }
        public int ImageSize { get; private set; }

        /// <summary>The heads written in the spec, or open_clip's <c>width * 32 // head_width</c> with head_width 64.</summary>
        public int Heads { get; private set; }

        public bool HeadsGiven { get; private set; }

        /// <summary>Channels of layer4's output, the attention pool's width.</summary>
        public int EmbedDim => Width * 32;

        /// <summary>
        /// The smallest image side upstream runs: the stem's stride-2 conv rounds up, its pool and the
        /// stage pools round down, so layer4 has floor(ceil(side / 2) / 16) positions along a side.
        /// </summary>
        public const int MinimumSide = 31;

        /// <summary>The side of the map the attention pool's position embedding is sized for.</summary>
        public int PoolGrid => ImageSize / 32;

        /// <summary>The image sides whose layer4 side is <see cref="PoolGrid"/>, the square inputs the attention pool takes.</summary>
        public (int Smallest, int Largest) PoolImageSides => (32 * PoolGrid - 1, 32 * PoolGrid + 30);

        /// <summary>Bottleneck planes of stage <paramref name="stage"/> (0-based); outputs are 4x that.</summary>
        public int Planes(int stage) => Width << stage;

        public int StageChannels(int stage) => Planes(stage) * 4;

        /// <summary>
        /// The four stage outputs. The stem's first conv (stride 2, padding 1) rounds the side up and every pool
        /// after it rounds down, so stage i's side is floor(ceil(side / 2) / (reduction / 2)).
        /// </summary>
        public IReadOnlyList<OutputFeature> Features => Enumerable.Range(0, 4)
            .Select(i => new OutputFeature($"layer{i + 1}", StageChannels(i), Reductions[i], new GridRule(2, Reductions[i] / 2, 1.0)))
            .ToArray();

        public static OpenClipResNetShape From(BoundObject fields)
        {
            var width = (int)fields.Integer("width");
            var headsGiven = fields.Has("heads");
            return new OpenClipResNetShape
            {
                Layers = fields.Integers("layers").Select(l => (int)l).ToArray(),
                Width = width,
                OutputDim = (int)fields.Integer("outputDim"),
                ImageSize = (int)fields.Integer("imageSize"),
                HeadsGiven = headsGiven,
                Heads = headsGiven ? (int)fields.Integer("heads") : width * 32 / 64,
            };
        }
    }
}
