using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.OpenClip;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using TorchSharp;
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
        var report = reloaded.LoadWeights(path);

        Assert.Equal("", report.Prefix);
        Assert.Null(report.AliasScheme);
        Assert.Equal(original.state_dict().Count, report.Loaded.Count);
        AssertSameOutputs(@case, original, reloaded);
    }

    [Fact]
    public void OVSAM_wrapper_names_are_detected_and_read_through_the_ovsam_scheme()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w14");
        using var model = new SamTinyW14();

        var report = model.LoadWeights(FixtureCase.PathOf("sam/sam_tiny_w14.ovsam.safetensors"));

        Assert.Equal("ovsam", report.AliasScheme);
        Assert.Equal("", report.Prefix);
        Assert.True(report.PrefixDetected);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unexpected);
        using var input = @case.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);
        @case.AssertOutputsMatch(outputs, input);
    }

    [Fact]
    public void Weights_save_under_a_prefix_and_OVSAM_names_and_load_back_by_detection_or_by_name()
    {
        using var @case = FixtureCase.Load("clip/clip_rn_tiny");
        using var original = new ClipRnTiny();
        @case.LoadWeightsInto(original);
        var path = Path.Combine(_directory, "student.safetensors");
        original.SaveWeights(path, prefix: "module.backbone_student", aliasScheme: "ovsam");

        using (var file = SafetensorsFile.Open(path))
        {
            using var ovsam = SafetensorsFile.Open(FixtureCase.PathOf("clip/clip_rn_tiny.ovsam.safetensors"));
            Assert.Equal(ovsam.Tensors.Keys.Select(k => "module.backbone_student." + k).Order(), file.Tensors.Keys.Order());
        }

        using var detected = new ClipRnTiny();
        var report = detected.LoadWeights(path);
        Assert.Equal("module.backbone_student.", report.Prefix);
        Assert.Equal("ovsam", report.AliasScheme);
        AssertSameOutputs(@case, original, detected);

        using var named = new ClipRnTiny();
        var explicitReport = named.LoadWeights(path, prefix: "backbone_student", aliasScheme: "ovsam");
        Assert.Equal("module.backbone_student.", explicitReport.Prefix);
        Assert.False(explicitReport.PrefixDetected);
        AssertSameOutputs(@case, original, named);
    }

    [Fact]
    public void Keys_outside_the_prefix_are_ignored_and_unexpected_keys_inside_it_are_errors()
    {
        using var source = new SamTinyW14();
        var tensors = source.state_dict().ToDictionary(p => "image_encoder." + p.Key, p => p.Value);
        using var promptWeight = ones(3);
        using var stray = ones(2);
        tensors["prompt_encoder.pe.weight"] = promptWeight;
        var path = Path.Combine(_directory, "sam.safetensors");
        SafetensorsWriter.Write(path, tensors);

        using var model = new SamTinyW14();
        var report = model.LoadWeights(path);
        Assert.Equal("image_encoder.", report.Prefix);
        Assert.Equal(["prompt_encoder.pe.weight"], report.Ignored);

        tensors["image_encoder.blocks.9.norm1.weight"] = stray;
        SafetensorsWriter.Write(path, tensors);
        var before = Snapshot(model);
        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path, prefix: "image_encoder"));
        Assert.Equal(["image_encoder.blocks.9.norm1.weight"], error.Unexpected);
        AssertUnchanged(before, model);
        Assert.Equal(["image_encoder.blocks.9.norm1.weight"], model.LoadWeights(path, prefix: "image_encoder", strict: false).Unexpected);
    }

    [Fact]
    public void Two_complete_copies_under_different_prefixes_need_the_prefix_named()
    {
        using var source = new SamTinyW14();
        var tensors = source.state_dict().SelectMany(p => new[] { ("backbone_teacher." + p.Key, p.Value), ("backbone_student." + p.Key, p.Value) }).ToDictionary();
        var path = Path.Combine(_directory, "two.safetensors");
        SafetensorsWriter.Write(path, tensors);
        using var model = new SamTinyW14();

        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path));

        Assert.Contains("backbone_student.", error.Message);
        Assert.Contains("backbone_teacher.", error.Message);
        Assert.Equal("backbone_teacher.", model.LoadWeights(path, prefix: "backbone_teacher").Prefix);
    }

    [Fact]
    public void A_file_without_the_modules_weights_names_the_prefixes_it_has()
    {
        var path = Path.Combine(_directory, "other.safetensors");
        using var weight = ones(2);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["text.token_embedding.weight"] = weight });
        using var model = new SamTinyW14();

        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path));
        Assert.Contains("'text.'", error.Message);
        var missingPrefix = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path, prefix: "image_encoder."));
        Assert.Contains("no key starting with 'image_encoder.'", missingPrefix.Message);
    }

    [Fact]
    public void Half_precision_weights_are_converted_and_reported()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w3");
        using var original = new SamTinyW3();
        @case.LoadWeightsInto(original);
        var half = original.state_dict().ToDictionary(p => p.Key, p => p.Value.to_type(ScalarType.Float16));
        var path = Path.Combine(_directory, "half.safetensors");
        SafetensorsWriter.Write(path, half);

        using var model = new SamTinyW3();
        var report = model.LoadWeights(path);

        Assert.Equal(half.Count, report.Conversions.Count);
        Assert.All(report.Conversions, c => Assert.Equal((ScalarType.Float16, ScalarType.Float32), (c.From, c.To)));
        Assert.Contains("converted from Float16 to Float32", report.ToString());
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.equal(half[key].to_type(ScalarType.Float32)).all().item<bool>(), key);
        foreach (var tensor in half.Values)
            tensor.Dispose();
    }

    [Fact]
    public void Weights_load_into_a_module_of_another_dtype_converted_to_it()
    {
        using var @case = FixtureCase.Load("sam/sam_tiny_w14");
        using var model = new SamTinyW14();
        model.to(ScalarType.Float64);

        var report = model.LoadWeights(FixtureCase.PathOf("sam/sam_tiny_w14.pth"));

        Assert.Equal(report.Loaded.Count, report.Conversions.Count);
        Assert.All(report.Conversions, c => Assert.Equal((ScalarType.Float32, ScalarType.Float64), (c.From, c.To)));
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        using var input = @case.Read("input").to(ScalarType.Float64);
        using var _ = no_grad();
        using var outputs = model.Forward(input);
        @case.AssertOutputsMatch(outputs, input);
    }

    [Fact]
    public void An_integer_tensor_for_a_float_parameter_does_not_fit()
    {
        using var source = new SamTinyW3();
        var tensors = source.state_dict().ToDictionary(p => p.Key, p => p.Key == "pos_embed" ? p.Value.to_type(ScalarType.Int64) : p.Value);
        var path = Path.Combine(_directory, "int.safetensors");
        SafetensorsWriter.Write(path, tensors);
        using var model = new SamTinyW3();

        var error = Assert.Throws<WeightLoadException>(() => model.LoadWeights(path, strict: false));
        Assert.Equal(["pos_embed (module Float32, file Int64)"], error.Mismatched);
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

        var report = model.LoadWeights(path, strict: false);

        Assert.Equal(6, report.Loaded.Count);
        Assert.Contains("patch_embed.proj.weight", report.Missing);
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

    private static void AssertSameOutputs(FixtureCase @case, BackboneModule expectedModel, BackboneModule actualModel)
    {
        using var input = @case.Read("input");
        using var _ = no_grad();
        using var expected = expectedModel.Forward(input);
        using var actual = actualModel.Forward(input);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].equal(actual[i]).all().item<bool>(), $"output {i} differs after a save/load round trip");
    }

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
