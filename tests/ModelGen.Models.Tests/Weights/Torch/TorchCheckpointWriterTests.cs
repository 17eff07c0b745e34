using ModelGen.Models.Weights.Torch;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>
/// Files written as <c>torch.save</c> does read back through the restricted reader with every dtype, shape and value
/// (torch 1.13's <c>torch.load(weights_only=True)</c> was checked to read them too, by hand: no PyTorch in the tests).
/// </summary>
public sealed class TorchCheckpointWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-torch-writer-").FullName;

    [Theory]
    [InlineData("state_dict")]
    [InlineData(null)]
    public void Every_tensor_reads_back_with_its_dtype_shape_and_values(string? wrapKey)
    {
        var path = Path.Combine(_directory, "out.pth");
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["backbone_student.weight"] = arange(6, ScalarType.Float32).reshape(2, 3),
            ["transposed"] = arange(6, ScalarType.Float64).reshape(2, 3).t(),
            ["half"] = full(2, 2, 1.5, ScalarType.Float16),
            ["bfloat"] = full(3, 0.25, ScalarType.BFloat16),
            ["long"] = tensor(new long[] { 7, -8, 1L << 40 }),
            ["int"] = tensor(new[] { 1, 2 }),
            ["byte"] = tensor(new byte[] { 0, 255 }),
            ["bool"] = tensor(new[] { true, false }),
            ["scalar"] = tensor(3.25f),
            ["empty"] = zeros(0, 4),
        };

        TorchCheckpointWriter.Write(path, tensors, wrapKey);

        using var file = TorchCheckpointFile.Open(path);
        Assert.Equal(wrapKey, file.UnwrappedFrom);
        Assert.Equal(tensors.Keys, file.Tensors.Keys);
        foreach (var (name, expected) in tensors)
        {
            var actual = file.Read(name);
            Assert.Equal((name, expected.dtype), (name, actual.dtype));
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.equal(actual).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_bare_tensor_reads_back_as_upstreams_feature_cache_files_are_read()
    {
        var path = Path.Combine(_directory, "sa_1_vit_h_cache.pth");
        using var scope = NewDisposeScope();
        var features = arange(2 * 3 * 4, ScalarType.Float32).reshape(2, 3, 4).permute(0, 2, 1);

        TorchCheckpointWriter.WriteTensor(path, features);

        var actual = TorchTensorFile.ReadTensor(path);
        Assert.Equal(features.shape, actual.shape);
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.True(features.equal(actual).all().item<bool>());
    }

    [Fact]
    public void A_dtype_without_a_storage_class_is_refused_and_nothing_is_written()
    {
        var path = Path.Combine(_directory, "complex.pth");
        using var complex = zeros(2, ScalarType.ComplexFloat32);

        var error = Assert.Throws<NotSupportedException>(() => TorchCheckpointWriter.Write(path, new Dictionary<string, Tensor> { ["c"] = complex }));

        Assert.Contains("'c' has dtype ComplexFloat32", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
