using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Families.OpenClip;
using ModelGen.Generators.Families.SamVit;
using ModelGen.Generators.Families.Vitamin;

namespace ModelGen.Generators.Families
{
    /// <summary>The one registry of families the generator knows.</summary>
    internal static class ModelFamilies
    {
        public static IReadOnlyList<IModelFamily> All { get; } = new IModelFamily[]
        {
            new SamVitFamily(),
            new OpenClipResNetFamily(),
            new OpenClipViTFamily(),
            new VitaminFamily(),
        };

        public static IModelFamily? Find(string name) => All.FirstOrDefault(f => f.Name == name);
    }
}
