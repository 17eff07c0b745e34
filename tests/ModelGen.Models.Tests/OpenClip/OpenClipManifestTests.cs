using ModelGen.Models.OpenClip;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.OpenClip;

[Collection(MetaDeviceCollection.Name)]
public sealed class OpenClipManifestTests
{
    [Fact]
    public void OpenClipRN50_has_the_keys_shapes_and_parameter_count_of_clip_RN50()
    {
        ManifestAssert.Matches("clip/clip_RN50.keys.json", () => new OpenClipRN50());
    }

    [Fact]
    public void OpenClipRN101_has_the_keys_shapes_and_parameter_count_of_clip_RN101()
    {
        ManifestAssert.Matches("clip/clip_RN101.keys.json", () => new OpenClipRN101());
    }

    [Fact]
    public void OpenClipRN50x4_has_the_keys_shapes_and_parameter_count_of_clip_RN50x4()
    {
        ManifestAssert.Matches("clip/clip_RN50x4.keys.json", () => new OpenClipRN50x4());
    }

    [Fact]
    public void OpenClipRN50x16_has_the_keys_shapes_and_parameter_count_of_clip_RN50x16()
    {
        ManifestAssert.Matches("clip/clip_RN50x16.keys.json", () => new OpenClipRN50x16());
        Assert.Equal(new[] { 384, 768, 1536, 3072 }, OpenClipRN50x16.Features.Select(f => f.Channels));
        Assert.Equal(new[] { 4.0, 8.0, 16.0, 32.0 }, OpenClipRN50x16.Features.Select(f => f.Reduction));
    }

    [Fact]
    public void OpenClipRN50x64_has_the_keys_shapes_and_parameter_count_of_clip_RN50x64()
    {
        ManifestAssert.Matches("clip/clip_RN50x64.keys.json", () => new OpenClipRN50x64());
    }

    [Fact]
    public void OpenClipViTB16_has_the_keys_shapes_and_parameter_count_of_clip_ViT_B_16()
    {
        ManifestAssert.Matches("clip/clip_ViT-B-16.keys.json", () => new OpenClipViTB16());
    }

    [Fact]
    public void OpenClipViTL14_has_the_keys_shapes_and_parameter_count_of_clip_ViT_L_14()
    {
        ManifestAssert.Matches("clip/clip_ViT-L-14.keys.json", () => new OpenClipViTL14());
        Assert.Equal(new[] { 3.5, 7.0, 14.0, 28.0 }, OpenClipViTL14.Features.Select(f => f.Reduction));
    }
}
