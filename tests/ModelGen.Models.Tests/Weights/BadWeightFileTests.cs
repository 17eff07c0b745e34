using System.Buffers.Binary;
using System.Runtime.Versioning;
using System.Text;
using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Tests.Weights.Torch;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

/// <summary>Bad weight files of every kind, given to a backbone's LoadWeights: one clear error naming the file and the problem, and the module unchanged.</summary>
public sealed class BadWeightFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-bad-weights-").FullName;

    [Fact]
    public void A_truncated_checkpoint() =>
        AssertRefused(Write("truncated.pth", Half("sam/sam_tiny_w14.pth")), "truncated or corrupt");

    [Fact]
    public void A_truncated_safetensors_file() =>
        AssertRefused(Write("truncated.safetensors", Half("sam/sam_tiny_w14.safetensors")), "safetensors");

    [Fact]
    public void A_file_of_another_kind() =>
        AssertRefused(Write("notes.pth", "these are not weights"u8.ToArray()), "neither safetensors", "nor a torch.save zip");

    [Fact]
    public void A_pickle_that_is_a_list() =>
        AssertRefused(CheckpointArchive.Write(Path.Combine(_directory, "list.pth"), new PickleBuilder().EmptyList().Stop()), "holds a list, not a state dict");

    [Fact]
    public void A_pickle_that_calls_a_forbidden_global() =>
        AssertRefused(
            CheckpointArchive.Write(Path.Combine(_directory, "evil.pth"), new PickleBuilder().Global("os", "system").Mark().Str("echo pwned").Tuple().Reduce().Stop()),
            "'os.system'");

    [Fact]
    public void Overlapping_safetensors_offsets() =>
        AssertRefused(Safetensors("overlap.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12), "overlap");

    [Fact]
    public void Safetensors_offsets_beyond_the_data() =>
        AssertRefused(Safetensors("beyond.safetensors", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8), "'a'");

    [Fact]
    public void A_header_length_beyond_the_file()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 1 << 20);
        bytes[8] = (byte)'{';
        AssertRefused(Write("long_header.safetensors", bytes), "header");
    }

    [Fact]
    public void A_directory() => AssertRefused(_directory, "this is a directory");

    [Fact]
    public void A_missing_file() => AssertRefused(Path.Combine(_directory, "absent.safetensors"), "does not exist");

    [PermissionsEnforcedFact]
    [UnsupportedOSPlatform("windows")]
    public void A_file_without_read_permission()
    {
        var path = Write("locked.safetensors", File.ReadAllBytes(FixtureCase.PathOf("sam/sam_tiny_w14.safetensors")));
        File.SetUnixFileMode(path, UnixFileMode.None);
        AssertRefused(path, "permission denied");
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape()
    {
        using var other = new SamTinyW3();
        var path = Path.Combine(_directory, "other.safetensors");
        other.SaveWeights(path);
        AssertUnchangedAfter<WeightLoadException>(path, "blocks.0.attn.proj.bias (module [64], file [48])");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void AssertRefused(string path, params string[] fragments)
    {
        var error = AssertUnchangedAfter<WeightFileException>(path, fragments);
        Assert.Equal(path, error.FilePath);
    }

    private static T AssertUnchangedAfter<T>(string path, params string[] fragments) where T : Exception
    {
        using var model = new SamTinyW14();
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        var error = Assert.Throws<T>(() => model.LoadWeights(path));
        Assert.Contains(path, error.Message);
        foreach (var fragment in fragments)
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"\"{fragment}\" is not in: {error.Message}");
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.equal(before[key]).all().item<bool>(), $"{key} changed although loading failed");
        foreach (var tensor in before.Values)
            tensor.Dispose();
        return error;
    }

    private static byte[] Half(string fixture)
    {
        var whole = File.ReadAllBytes(FixtureCase.PathOf(fixture));
        return whole[..(whole.Length / 2)];
    }

    private string Safetensors(string name, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, json.Length);
        json.CopyTo(bytes, 8);
        return Write(name, bytes);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
