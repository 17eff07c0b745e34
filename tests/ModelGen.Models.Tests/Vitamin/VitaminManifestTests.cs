using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Vitamin;

namespace ModelGen.Models.Tests.Vitamin;

public sealed class VitaminManifestTests
{
    [Fact]
    public void VitaminSmallTransformer_matches_vitamin_small_transformer()
    {
        using var model = new VitaminSmallTransformer();
        ManifestAssert.Matches("vitamin/vitamin_small_transformer.keys.json", model);
    }

    [Fact]
    public void VitaminSmallRwkv_matches_vitamin_small_rwkv_mlp2()
    {
        using var model = new VitaminSmallRwkv();
        ManifestAssert.Matches("vitamin/vitamin_small_rwkv_mlp2.keys.json", model);
    }

    [Fact]
    public void VitaminBaseRwkv_matches_vitamin_base_rwkv_mlp2()
    {
        using var model = new VitaminBaseRwkv();
        ManifestAssert.Matches("vitamin/vitamin_base_rwkv_mlp2.keys.json", model);
    }

    [Fact]
    public void VitaminSmallRwkvSam_matches_the_rwkvsam_distillation_config()
    {
        using var model = new VitaminSmallRwkvSam();
        ManifestAssert.Matches("vitamin/vitamin_small_rwkv_mlp2_rwkvsam_config.keys.json", model);
    }
}
