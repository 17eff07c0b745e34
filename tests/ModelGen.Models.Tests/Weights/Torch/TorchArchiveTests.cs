using System.IO.Compression;
using System.Runtime.Versioning;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>Files that are not readable torch.save archives, or whose records do not fit the tensors: one clear error each.</summary>
public sealed class TorchArchiveTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-torch-archive-").FullName;

    [Fact]
    public void A_missing_file_is_named_as_missing() =>
        AssertRefused(Path.Combine(_directory, "absent.pth"), "the file does not exist");

    [Fact]
    public void A_directory_is_named_as_a_directory() =>
        AssertRefused(_directory, "this is a directory, not a checkpoint file");

    [PermissionsEnforcedFact]
    [UnsupportedOSPlatform("windows")]
    public void An_unreadable_file_is_named_as_unreadable()
    {
        var path = Copy("sam/sam_tiny_w14.pth", "unreadable.pth");
        File.SetUnixFileMode(path, UnixFileMode.None);
        AssertRefused(path, "the file cannot be read: permission denied");
    }

    [Fact]
    public void An_empty_file_is_named_as_empty() =>
        AssertRefused(Write("empty.pth", []), "the file is empty");

    [Fact]
    public void A_file_that_is_not_a_zip_is_refused() =>
        AssertRefused(Write("text.pth", "weights, honestly"u8.ToArray()), "it is not a torch.save checkpoint: those are zip archives");

    /// <summary>The legacy format starts by pickling the magic number 0x1950a86a20f9469cfc6c.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_legacy_format_is_refused_with_the_way_to_re_save_it(byte protocol)
    {
        byte[] legacy = [0x80, protocol, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E];
        AssertRefused(Write($"legacy{protocol}.pth", legacy), "legacy torch.save format", "re-save it with a modern torch");
    }

    [Fact]
    public void A_truncated_archive_is_refused()
    {
        var whole = File.ReadAllBytes(FixtureCase.PathOf("checkpoints/openclip_rn_tiny.bin"));
        AssertRefused(Write("truncated.bin", whole[..(whole.Length / 2)]), "the zip archive is truncated or corrupt");
    }

    [Fact]
    public void An_archive_without_data_pkl_is_refused()
    {
        var path = Path.Combine(_directory, "no_pickle.pth");
        using (var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
            CheckpointArchive.Add(zip, "archive/data/0", new byte[16]);
        AssertRefused(path, "has no <root>/data.pkl record");
    }

    [Fact]
    public void A_torchscript_archive_is_named_as_such()
    {
        var path = Path.Combine(_directory, "scripted.pt");
        using (var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            CheckpointArchive.Add(zip, "scripted/data.pkl", new PickleBuilder().EmptyDict().Stop());
            CheckpointArchive.Add(zip, "scripted/constants.pkl", new PickleBuilder().EmptyTuple().Stop());
        }
        AssertRefused(path, "it is a TorchScript archive (torch.jit.save)");
    }

    [Fact]
    public void A_missing_storage_record_is_refused_at_open() =>
        AssertRefused(Checkpoint("missing_record.pth", "FloatStorage", "7", 4, 0, [4], [1], storageBytes: 16), "tensor 'w' refers to the storage record 'archive/data/7', which is not in the archive");

    [Fact]
    public void A_size_beyond_the_storage_is_refused_before_reading() =>
        AssertRefused(Checkpoint("too_big.pth", "FloatStorage", "0", 10, 0, [4, 4], [4, 1], storageBytes: 40), "tensor 'w' of shape [4, 4], stride [4, 1] and offset 0 reaches element 15 of its storage record 'archive/data/0', which has 10");

    [Fact]
    public void An_offset_beyond_the_storage_is_refused() =>
        AssertRefused(Checkpoint("offset.pth", "FloatStorage", "0", 10, 8, [3], [1], storageBytes: 40), "reaches element 10 of its storage record");

    [Fact]
    public void A_storage_declared_larger_than_its_record_is_refused() =>
        AssertRefused(Checkpoint("declared.pth", "FloatStorage", "0", 100, 0, [4], [1], storageBytes: 40), "the pickle says the storage of tensor 'w' has 100 elements, but its record 'archive/data/0' holds 10");

    [Fact]
    public void A_record_that_is_not_whole_elements_is_refused() =>
        AssertRefused(Checkpoint("ragged.pth", "DoubleStorage", "0", 2, 0, [2], [1], storageBytes: 12), "whose 12 bytes are not a whole number of 8-byte elements");

    [Fact]
    public void Negative_sizes_and_strides_are_refused()
    {
        AssertRefused(Checkpoint("negative_size.pth", "FloatStorage", "0", 4, 0, [-1], [1], storageBytes: 16), "negative values are not allowed");
        AssertRefused(Checkpoint("negative_stride.pth", "FloatStorage", "0", 4, 3, [4], [-1], storageBytes: 16), "negative values are not allowed");
    }

    [Fact]
    public void A_size_that_overflows_is_refused() =>
        AssertRefused(Checkpoint("overflow.pth", "FloatStorage", "0", 4, 0, [1L << 40, 1L << 40], [1, 1], storageBytes: 16), "whose size overflows 64 bits");

    [Fact]
    public void A_pickle_that_is_a_list_is_not_a_state_dict() =>
        AssertRefused(CheckpointArchive.Write(Path.Combine(_directory, "list.pth"), new PickleBuilder().EmptyList().Stop()), "the checkpoint holds a list, not a state dict");

    [Fact]
    public void A_state_dict_key_that_is_not_a_dict_is_refused() =>
        AssertRefused(CheckpointArchive.Write(Path.Combine(_directory, "wrapped_list.pth"), new PickleBuilder().EmptyDict().Str("state_dict").EmptyList().Op('s').Stop()),
            "the checkpoint's 'state_dict' holds a list, not a state dict");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal static void AssertRefused(string path, params string[] fragments)
    {
        var error = Assert.Throws<WeightFileException>(() => TorchCheckpointFile.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        foreach (var fragment in fragments)
            Assert.True(error.Problem.Contains(fragment, StringComparison.Ordinal), $"\"{fragment}\" is not in: {error.Message}");
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Copy(string fixture, string name)
    {
        var path = Path.Combine(_directory, name);
        File.Copy(FixtureCase.PathOf(fixture), path);
        return path;
    }

    /// <summary>A state dict of one tensor 'w' and a storage record "0" of <paramref name="storageBytes"/> bytes.</summary>
    private string Checkpoint(string name, string storageClass, string key, long declaredElements, long offset, long[] shape, long[] stride, int storageBytes)
    {
        var pickle = new PickleBuilder().EmptyDict().Str("w").Tensor(storageClass, key, declaredElements, offset, shape, stride).Op('s').Stop();
        return CheckpointArchive.Write(Path.Combine(_directory, name), pickle, new Dictionary<string, byte[]> { ["0"] = new byte[storageBytes] });
    }
}
