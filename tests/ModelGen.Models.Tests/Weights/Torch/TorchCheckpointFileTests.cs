using System.Text.Json;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>The real checkpoints of the fixtures, against the safetensors copies of the same weights.</summary>
public sealed class TorchCheckpointFileTests
{
    [Fact]
    public void Open_clip_bin_holds_the_tensors_of_its_safetensors_copy_bitwise()
    {
        using var checkpoint = TorchCheckpointFile.Open(FixtureCase.PathOf("checkpoints/openclip_rn_tiny.bin"));
        using var reference = SafetensorsFile.Open(FixtureCase.PathOf("checkpoints/openclip_rn_tiny.safetensors"));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(FixtureCase.PathOf("checkpoints/openclip_rn_tiny.json")));

        Assert.Equal("torch zip, pickle protocol 2", checkpoint.Format);
        Assert.Null(checkpoint.UnwrappedFrom);
        Assert.Equal(sidecar.RootElement.GetProperty("keys").EnumerateObject().Select(p => p.Name), checkpoint.Tensors.Keys);
        Assert.Equal(reference.Entries.Keys.Order(StringComparer.Ordinal), checkpoint.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(checkpoint.Tensors.Values, t => t.DType == ScalarType.Int64 && t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        foreach (var name in checkpoint.Tensors.Keys)
        {
            using var expected = reference.Read(name);
            using var actual = checkpoint.Read(name);
            AssertBitwiseEqual(expected, actual, name);
        }
    }

    [Fact]
    public void Mmengine_checkpoint_unwraps_its_state_dict_past_the_opaque_training_metadata()
    {
        using var checkpoint = TorchCheckpointFile.Open(FixtureCase.PathOf("checkpoints/mmengine_rwkvsam_tiny.pth"));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(FixtureCase.PathOf("checkpoints/mmengine_rwkvsam_tiny.json")));
        var expected = sidecar.RootElement.GetProperty("state_dict_keys").EnumerateObject().ToList();

        Assert.Equal("state_dict", checkpoint.UnwrappedFrom);
        Assert.Equal(["meta", "state_dict", "message_hub", "optimizer", "param_schedulers"], checkpoint.TopLevelKeys);
        Assert.Equal(expected.Select(p => p.Name), checkpoint.Tensors.Keys);
        foreach (var key in expected)
        {
            var info = checkpoint.Tensors[key.Name];
            Assert.Equal(key.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), info.Shape);
            Assert.Equal(key.Value.GetProperty("dtype").GetString() == "I64" ? ScalarType.Int64 : ScalarType.Float32, info.DType);
            using var tensor = checkpoint.Read(key.Name);
            Assert.Equal(info.Shape, tensor.shape);
            Assert.Equal(info.DType, tensor.dtype);
        }
    }

    [Fact]
    public void Official_sam_checkpoint_holds_the_image_encoder_weights_beside_the_other_heads()
    {
        using var checkpoint = TorchCheckpointFile.Open(FixtureCase.PathOf("sam/sam_tiny_w14.pth"));
        using var reference = SafetensorsFile.Open(FixtureCase.PathOf("sam/sam_tiny_w14.safetensors"));
        const string encoder = "image_encoder.";

        var weights = reference.Entries.Keys.Where(k => k.StartsWith("weights.", StringComparison.Ordinal)).ToList();
        Assert.Equal(weights.Count, checkpoint.Tensors.Keys.Count(k => k.StartsWith(encoder, StringComparison.Ordinal)));
        Assert.Contains("prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", checkpoint.Tensors.Keys);
        Assert.Contains("mask_decoder.iou_token.weight", checkpoint.Tensors.Keys);
        foreach (var name in weights)
        {
            var key = encoder + name["weights.".Length..];
            using var expected = reference.Read(name);
            using var actual = checkpoint.Read(key);
            AssertBitwiseEqual(expected, actual, key);
        }
    }

    internal static void AssertBitwiseEqual(Tensor expected, Tensor actual, string name)
    {
        Assert.True(expected.dtype == actual.dtype, $"{name}: dtype {actual.dtype}, expected {expected.dtype}");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{name}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        Assert.True(expected.contiguous().bytes.SequenceEqual(actual.contiguous().bytes), $"{name}: the values differ");
    }
}
