using ModelGen.Models.Sam;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Sam;

public sealed class SamManifestTests
{
    [Fact]
    public void SamVitB_has_the_keys_shapes_and_parameter_count_of_sam_vit_b()
    {
        using var model = new SamVitB();
        ManifestAssert.Matches("sam/sam_vit_b.keys.json", model);
    }

    [Fact]
    public void SamVitL_has_the_keys_shapes_and_parameter_count_of_sam_vit_l()
    {
        using var model = new SamVitL();
        ManifestAssert.Matches("sam/sam_vit_l.keys.json", model);
    }

    [Fact]
    public void SamVitH_has_the_keys_shapes_and_parameter_count_of_sam_vit_h()
    {
        using var model = new SamVitH();
        ManifestAssert.Matches("sam/sam_vit_h.keys.json", model);
    }
}
