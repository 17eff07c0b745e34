using ModelGen.Models.Sam;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Sam;

[Collection(MetaDeviceCollection.Name)]
public sealed class SamManifestTests
{
    [Fact]
    public void SamVitB_has_the_keys_shapes_and_parameter_count_of_sam_vit_b()
    {
        ManifestAssert.Matches("sam/sam_vit_b.keys.json", () => new SamVitB());
    }

    [Fact]
    public void SamVitL_has_the_keys_shapes_and_parameter_count_of_sam_vit_l()
    {
        ManifestAssert.Matches("sam/sam_vit_l.keys.json", () => new SamVitL());
    }

    [Fact]
    public void SamVitH_has_the_keys_shapes_and_parameter_count_of_sam_vit_h()
    {
        ManifestAssert.Matches("sam/sam_vit_h.keys.json", () => new SamVitH());
    }
}
