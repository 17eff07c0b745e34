using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Vitamin;

namespace ModelGen.Models.Tests.Vitamin;

[Collection(MetaDeviceCollection.Name)]
public sealed class VitaminManifestTests
{
    [Fact]
    public void VitaminSmallTransformer_matches_vitamin_small_transformer()
    {
        ManifestAssert.Matches("vitamin/vitamin_small_transformer.keys.json", () => new VitaminSmallTransformer());
    }

    [Fact]
    public void VitaminSmallRwkv_matches_vitamin_small_rwkv_mlp2()
    {
        ManifestAssert.Matches("vitamin/vitamin_small_rwkv_mlp2.keys.json", () => new VitaminSmallRwkv());
    }

    [Fact]
    public void VitaminBaseRwkv_matches_vitamin_base_rwkv_mlp2()
    {
        ManifestAssert.Matches("vitamin/vitamin_base_rwkv_mlp2.keys.json", () => new VitaminBaseRwkv());
    }

    [Fact]
    public void VitaminSmallRwkvSam_matches_the_rwkvsam_distillation_config()
    {
        ManifestAssert.Matches("vitamin/vitamin_small_rwkv_mlp2_rwkvsam_config.keys.json", () => new VitaminSmallRwkvSam());
    }
}
