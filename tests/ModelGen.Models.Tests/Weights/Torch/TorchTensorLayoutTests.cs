using System.IO.Compression;
using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>Tensors as views of storage records: shared storages, offsets, strides and every storage dtype, in hand-made checkpoints.</summary>
public sealed class TorchTensorLayoutTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-torch-layout-").FullName;

    [Fact]
    public void Views_share_a_storage_at_offsets_and_with_strides()
    {
        using var storage = arange(24, dtype: ScalarType.Float32);
        var pickle = new PickleBuilder().EmptyDict().Mark()
            .Str("whole").Tensor("FloatStorage", "0", 24, 0, [2, 3, 4], [12, 4, 1])
            .Str("tail").Tensor("FloatStorage", "0", 24, 18, [2, 3], [3, 1])
            .Str("transposed").Tensor("FloatStorage", "0", 24, 0, [4, 6], [1, 4])
            .Str("every_other").Tensor("FloatStorage", "0", 24, 1, [3, 2], [8, 2])
            .Str("broadcast").Tensor("FloatStorage", "0", 24, 5, [3, 2], [0, 1])
            .Str("scalar").Tensor("FloatStorage", "0", 24, 7, [], [])
            .Str("empty").Tensor("FloatStorage", "0", 24, 0, [0, 5], [5, 1])
            .SetItems().Stop();
        var path = CheckpointArchive.Write(Path.Combine(_directory, "views.pth"), pickle, new Dictionary<string, byte[]> { ["0"] = storage.bytes.ToArray() });

        using var checkpoint = TorchCheckpointFile.Open(path);
        Assert.Equal(["whole", "tail", "transposed", "every_other", "broadcast", "scalar", "empty"], checkpoint.Tensors.Keys);
        AssertRead(checkpoint, "whole", storage.reshape(2, 3, 4));
        AssertRead(checkpoint, "tail", storage[18..].reshape(2, 3));
        AssertRead(checkpoint, "transposed", storage.reshape(6, 4).t());
        AssertRead(checkpoint, "every_other", storage.as_strided([3, 2], [8, 2], 1));
        AssertRead(checkpoint, "broadcast", storage[5..7].expand(3, 2));
        AssertRead(checkpoint, "scalar", storage[7]);
        AssertRead(checkpoint, "empty", zeros(0, 5));
    }

    public static TheoryData<string, ScalarType> StorageTypes => new()
    {
        { "FloatStorage", ScalarType.Float32 },
        { "DoubleStorage", ScalarType.Float64 },
        { "HalfStorage", ScalarType.Float16 },
        { "BFloat16Storage", ScalarType.BFloat16 },
        { "LongStorage", ScalarType.Int64 },
        { "IntStorage", ScalarType.Int32 },
        { "ShortStorage", ScalarType.Int16 },
        { "CharStorage", ScalarType.Int8 },
        { "ByteStorage", ScalarType.Byte },
        { "BoolStorage", ScalarType.Bool },
    };

    [Theory]
    [MemberData(nameof(StorageTypes))]
    public void Every_storage_class_reads_as_its_dtype_including_strided_views(string storageClass, ScalarType dtype)
    {
        using var values = dtype == ScalarType.Bool
            ? arange(12, dtype: ScalarType.Int64).remainder(3).eq(0)
            : (arange(12, dtype: ScalarType.Float64) * 1.5 - 6).to(dtype);
        var pickle = new PickleBuilder().OrderedDict().Mark()
            .Str("plain").Tensor(storageClass, "0", 3, 4)
            .Str("transposed").Tensor(storageClass, "0", 12, 0, [4, 3], [1, 4])
            .SetItems().Stop();
        var path = CheckpointArchive.Write(Path.Combine(_directory, $"{storageClass}.pth"), pickle, new Dictionary<string, byte[]> { ["0"] = values.bytes.ToArray() });

        using var checkpoint = TorchCheckpointFile.Open(path);
        Assert.Equal(dtype, checkpoint.Tensors["plain"].DType);
        AssertRead(checkpoint, "plain", values.reshape(3, 4));
        AssertRead(checkpoint, "transposed", values.reshape(3, 4).t());
    }

    [Fact]
    public void Deflated_records_under_any_root_folder_are_read()
    {
        using var values = linspace(-1, 1, 64, dtype: ScalarType.Float32);
        var pickle = new PickleBuilder().OrderedDict().Mark()
            .Str("w").Tensor("FloatStorage", "0", 8, 8)
            .Str("columns").Tensor("FloatStorage", "0", 64, 43, [3, 2], [8, 1])
            .SetItems().Stop();
        var path = CheckpointArchive.Write(Path.Combine(_directory, "deflated.pth"), pickle, new Dictionary<string, byte[]> { ["0"] = values.bytes.ToArray() },
            root: "my_model", compression: CompressionLevel.Optimal);

        using var checkpoint = TorchCheckpointFile.Open(path);
        AssertRead(checkpoint, "w", values.reshape(8, 8));
        AssertRead(checkpoint, "columns", values.reshape(8, 8)[5.., 3..5]);
    }

    [Fact]
    public void A_model_wrapper_is_unwrapped_and_parameters_and_non_tensor_values_are_handled()
    {
        using var values = arange(6, dtype: ScalarType.Float32);
        var pickle = new PickleBuilder().EmptyDict().Mark()
            .Str("epoch").Int(3)
            .Str("model").OrderedDict().Mark()
                .Str("weight").Global("torch._utils", "_rebuild_parameter").Mark().Tensor("FloatStorage", "0", 2, 3).False().OrderedDict().Tuple().Reduce()
                .Str("step").Int(1L << 40)
                .Str("name").Str("not a tensor")
            .SetItems()
            .SetItems().Stop();
        var path = CheckpointArchive.Write(Path.Combine(_directory, "wrapped.pth"), pickle, new Dictionary<string, byte[]> { ["0"] = values.bytes.ToArray() });

        using var checkpoint = TorchCheckpointFile.Open(path);
        Assert.Equal("model", checkpoint.UnwrappedFrom);
        Assert.Equal(["epoch", "model"], checkpoint.TopLevelKeys);
        Assert.Equal(["weight"], checkpoint.Tensors.Keys);
        AssertRead(checkpoint, "weight", values.reshape(2, 3));
    }

    [Fact]
    public void A_bare_tensor_file_is_read_as_one_tensor()
    {
        using var values = arange(10, dtype: ScalarType.Int64);
        var pickle = new PickleBuilder().Tensor("LongStorage", "0", 10, 2, [2, 2], [1, 4]).Stop();
        var path = CheckpointArchive.Write(Path.Combine(_directory, "bare.pth"), pickle, new Dictionary<string, byte[]> { ["0"] = values.bytes.ToArray() });

        using var expected = values.as_strided([2, 2], [1, 4], 2);
        using var actual = TorchTensorFile.ReadTensor(path);
        TorchCheckpointFileTests.AssertBitwiseEqual(expected, actual, "bare");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static void AssertRead(TorchCheckpointFile checkpoint, string name, Tensor expected)
    {
        Assert.Equal(expected.shape, checkpoint.Tensors[name].Shape);
        using var actual = checkpoint.Read(name);
        Assert.True(actual.is_contiguous(), $"{name} is not contiguous");
        TorchCheckpointFileTests.AssertBitwiseEqual(expected, actual, name);
    }
}
