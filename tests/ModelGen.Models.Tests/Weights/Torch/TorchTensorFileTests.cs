using System.Text.RegularExpressions;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights.Torch;

public sealed partial class TorchTensorFileTests
{
    /// <summary>Each <c>sa_&lt;image id&gt;_&lt;model&gt;_cache.pth</c> is <c>teacher_feat[s, b]</c> where <c>image_ids[s, b]</c> is its id.</summary>
    [Theory]
    [InlineData("rwkvsam_tiny")]
    [InlineData("sam2clip_tiny")]
    public void Feature_cache_files_are_the_teacher_features_of_their_images(string @case)
    {
        using var trajectory = SafetensorsFile.Open(FixtureCase.PathOf($"distill/{@case}.safetensors"));
        using var ids = trajectory.Read("image_ids");
        using var features = trajectory.Read("teacher_feat");
        var files = Directory.GetFiles(FixtureCase.PathOf($"distill/{@case}.cache"), "*.pth");
        Assert.Equal(ids.numel(), files.Length);

        foreach (var file in files)
        {
            var id = long.Parse(CacheFileName().Match(System.IO.Path.GetFileName(file)).Groups[1].Value);
            using var position = (ids == id).nonzero();
            Assert.Equal(1, position.shape[0]);
            var (step, image) = (position[0, 0].item<long>(), position[0, 1].item<long>());
            using var expected = features[step, image];
            using var actual = TorchTensorFile.ReadTensor(file);
            TorchCheckpointFileTests.AssertBitwiseEqual(expected, actual, file);
        }
    }

    [Fact]
    public void A_state_dict_is_not_a_bare_tensor()
    {
        var path = FixtureCase.PathOf("sam/sam_tiny_w14.pth");
        var error = Assert.Throws<WeightFileException>(() => TorchTensorFile.ReadTensor(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("holds a dict, not a bare tensor", error.Message);
    }

    [GeneratedRegex(@"^sa_(\d+)_.*_cache\.pth$")]
    private static partial Regex CacheFileName();
}
