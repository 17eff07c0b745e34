using ModelGen.Models.Pretrained;

namespace ModelGen.Models.Tests.Pretrained;

public sealed class PretrainedSourceTests
{
    [Fact]
    public void Optional_values_can_be_given_by_name()
    {
        var source = new PretrainedSource(
            "sa1b",
            "sam_vit_b_01ec64.pth",
            "https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth",
            Hash: FileHash.Md5Prefix("01EC64"),
            Prefix: "image_encoder.",
            License: "Apache-2.0",
            Preprocessing: new Preprocessing([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], InputScale: 255));

        Assert.Equal("01ec64", source.Hash!.Hex);
        Assert.Equal("md5-prefix:01ec64", source.Hash.ToString());
        Assert.Null(source.AliasScheme);
        Assert.Equal("RGB", source.Preprocessing!.ChannelOrder);
    }

    [Theory]
    [InlineData("../outside.pth")]
    [InlineData("folder/file.pth")]
    [InlineData("folder\\file.pth")]
    [InlineData("..")]
    [InlineData(" ")]
    public void A_file_name_with_a_folder_part_is_refused(string fileName) =>
        Assert.Throws<ArgumentException>(() => new PretrainedSource("t", fileName, "https://example.invalid/x"));

    [Theory]
    [InlineData("ftp://example.invalid/x.pth")]
    [InlineData("x.pth")]
    public void A_url_that_is_not_absolute_http_is_refused(string url) =>
        Assert.Throws<ArgumentException>(() => new PretrainedSource("t", "x.pth", url));

    [Theory]
    [InlineData(HashKind.Sha256, "01ec64")]
    [InlineData(HashKind.Md5Prefix, "01ec6g")]
    [InlineData(HashKind.Md5Prefix, "")]
    [InlineData(HashKind.Md5Prefix, "0123456789abcdef0123456789abcdef0")]
    public void A_malformed_hash_is_refused(HashKind kind, string hex) =>
        Assert.Throws<ArgumentException>(() => new FileHash(kind, hex));

    [Fact]
    public void An_md5_prefix_matches_digests_that_start_with_it_and_a_sha256_only_itself()
    {
        var sha = new string('a', 64);

        Assert.True(FileHash.Md5Prefix("01ec64").Matches("01ec64" + new string('0', 26)));
        Assert.False(FileHash.Md5Prefix("01ec64").Matches("01ec65" + new string('0', 26)));
        Assert.True(FileHash.Sha256(sha).Matches(sha));
        Assert.False(FileHash.Sha256(sha).Matches(sha[..63] + "b"));
    }

    [Fact]
    public void Preprocessing_compares_by_value_and_keeps_its_own_copy()
    {
        double[] mean = [0.48145466, 0.4578275, 0.40821073];
        double[] std = [0.26862954, 0.26130258, 0.27577711];
        var a = new Preprocessing(mean, std, 1);
        mean[0] = 0;

        Assert.Equal(0.48145466, a.Mean[0]);
        Assert.Equal(new Preprocessing([0.48145466, 0.4578275, 0.40821073], std, 1), a);
        Assert.NotEqual(new Preprocessing([0.48145466, 0.4578275, 0.40821073], std, 255), a);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2.0 }, new[] { 1.0, 1.0, 1.0 }, 255.0, "RGB")]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, new[] { 1.0, 0.0, 1.0 }, 255.0, "RGB")]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, new[] { 1.0, 1.0, 1.0 }, 0.0, "RGB")]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, new[] { 1.0, 1.0, 1.0 }, 255.0, "GRB")]
    public void Invalid_preprocessing_is_refused(double[] mean, double[] std, double inputScale, string channelOrder) =>
        Assert.ThrowsAny<ArgumentException>(() => new Preprocessing(mean, std, inputScale, channelOrder));
}
