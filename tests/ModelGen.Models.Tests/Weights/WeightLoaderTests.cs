using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

public sealed class WeightLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-weights-").FullName;

    [Fact]
    public void Saved_weights_load_back_into_a_fresh_model_exactly()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w14");
        using var original = new SamTinyW14();
        @case.LoadWeightsInto(original);
        var path = Path.Combine(_directory, "sam_tiny_w14.safetensors");
        original.SaveWeights(path);

        using var reloaded = new SamTinyW14();
        reloaded.LoadWeights(path);

        using var input = @case.Read("input");
        using var _ = no_grad();
        using var expected = original.Forward(input);
        using var actual = reloaded.Forward(input);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].equal(actual[i]).all().item<bool>(), $"output {i} differs after a save/load round trip");
    }

    [Fact]
    public void Renamed_keys_fail_strict_loading_with_the_keys_named_and_nothing_loaded()
    {
        using var model = new SamTinyW14();
        var before = Snapshot(model);

        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(FixtureCase.PathOf("sam/sam_tiny_w14.ovsam.safetensors")));

        Assert.Contains("patch_embed.proj.weight", error.Missing);
        Assert.Contains("stem.proj.weight", error.Unexpected);
        Assert.Contains("patch_embed.proj.weight", error.Message);
        AssertUnchanged(before, model);
    }

    [Fact]
    public void A_wrong_shape_is_an_error_even_when_not_strict()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w3");
        using var other = new SamTinyW3();
        @case.LoadWeightsInto(other);
        var path = Path.Combine(_directory, "sam_tiny_w3.safetensors");
        other.SaveWeights(path);
        using var model = new SamTinyW14();
        var before = Snapshot(model);

        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path, strict: false));

        Assert.Contains(error.Mismatched, m => m.StartsWith("pos_embed (module [1, 16, 16, 64], file [1, 8, 8, 48])", StringComparison.Ordinal));
        AssertUnchanged(before, model);
    }

    [Fact]
    public void Non_strict_loading_fills_the_keys_the_file_has_and_leaves_the_rest()
    {
        using var source = new SamTinyW14();
        var path = Path.Combine(_directory, "neck.safetensors");
        SafetensorsWriter.Write(path, source.state_dict().Where(p => p.Key.StartsWith("neck.", StringComparison.Ordinal)).ToDictionary());
        using var model = new SamTinyW14();
        var before = Snapshot(model);

        model.LoadWeights(path, strict: false);

        var after = model.state_dict();
        Assert.True(after["neck.0.weight"].equal(source.state_dict()["neck.0.weight"]).all().item<bool>());
        Assert.True(after["patch_embed.proj.weight"].equal(before["patch_embed.proj.weight"]).all().item<bool>());
        Assert.Throws<WeightLoadException>(() => model.LoadWeights(path));
    }

    [Fact]
    public void A_corrupt_file_is_rejected_with_its_path()
    {
        var path = Path.Combine(_directory, "corrupt.safetensors");
        File.WriteAllBytes(path, [255, 255, 255, 255, 0, 0, 0, 0, (byte)'{']);
        using var model = new SamTinyW14();

        var error = Assert.Throws<WeightFileException>(() => model.LoadWeights(path));
        Assert.Contains(path, error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, Tensor> Snapshot(BackboneModule model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

    private static void AssertUnchanged(Dictionary<string, Tensor> before, BackboneModule model)
    {
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.equal(before[key]).all().item<bool>(), $"{key} changed although loading failed");
        foreach (var tensor in before.Values)
            tensor.Dispose();
    }
}
