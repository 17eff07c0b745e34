using System.Buffers.Binary;
using System.Text;
using ModelGen.Models.IO;
using ModelGen.Models.Tests.IO;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-safetensors-").FullName;

    [Fact]
    public void Every_supported_dtype_round_trips_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f64"] = tensor(new[] { 1.5, -0.0, double.MaxValue, double.Epsilon }),
            ["f32"] = tensor(new[] { 1.5f, float.NaN, float.NegativeInfinity }),
            ["f16"] = (arange(6, ScalarType.Float32) / 7).to_type(ScalarType.Float16).reshape(2, 3),
            ["bf16"] = (arange(6, ScalarType.Float32) / 7).to_type(ScalarType.BFloat16).reshape(3, 2),
            ["i64"] = tensor(new[] { long.MinValue, 0, long.MaxValue }),
            ["i32"] = tensor(new[] { int.MinValue, -1, int.MaxValue }),
            ["i16"] = tensor(new short[] { short.MinValue, 7, short.MaxValue }),
            ["i8"] = tensor(new sbyte[] { sbyte.MinValue, -1, sbyte.MaxValue }),
            ["u8"] = tensor(new byte[] { 0, 128, 255 }),
            ["bool"] = tensor(new[] { true, false, true }),
            ["c64"] = complex(tensor(new[] { 1f, -2f }), tensor(new[] { 0.5f, 3f })),
            ["scalar"] = tensor(3.25f),
            ["empty"] = zeros(0, 4, dtype: ScalarType.Int32),
            ["transposed"] = arange(12, ScalarType.Float32).reshape(3, 4).t(),
        };
        var path = Path.Combine(_directory, "all.safetensors");

        SafetensorsWriter.Write(path, tensors);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(tensors.Keys.Order(), file.Tensors.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            Assert.Equal(expected.dtype, file.Tensors[name].DType);
            Assert.Equal(expected.shape, file.Tensors[name].Shape);
            using var actual = file.Read(name);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(Bytes(expected), Bytes(actual));
        }
    }

    [Fact]
    public void Metadata_round_trips()
    {
        using var scope = NewDisposeScope();
        var metadata = new Dictionary<string, string>
        {
            ["family"] = "sam",
            ["quoted"] = "a \"b\" \\ c\n",
            ["unicode"] = "café ✓ 𝛼",
            ["empty"] = "",
            ["clé"] = "value",
        };
        var path = Path.Combine(_directory, "metadata.safetensors");

        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(2) }, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(m => m.Key), file.Metadata.OrderBy(m => m.Key));
    }

    [Fact]
    public void The_header_is_compact_JSON_padded_with_spaces_and_the_widest_dtypes_come_first()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "layout.safetensors");

        SafetensorsWriter.Write(
            path,
            new Dictionary<string, Tensor> { ["a"] = ones(3), ["c"] = ones(2, dtype: ScalarType.Int8), ["b"] = ones(1, dtype: ScalarType.Int64) },
            new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal(
            """{"__metadata__":{"k":"v"},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},"c":{"dtype":"I8","shape":[2],"data_offsets":[20,22]}}""",
            header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        Assert.Equal(8 + headerLength + 22, bytes.Length);
    }

    [Fact]
    public void Without_metadata_the_header_has_no_metadata_key()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "plain.safetensors");

        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(2) });

        Assert.DoesNotContain("__metadata__", File.ReadAllText(path));
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void A_tensor_named_like_the_metadata_key_is_refused_before_anything_is_written()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "reserved.safetensors");

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["__metadata__"] = ones(1) }));

        Assert.Contains("__metadata__", error.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_failed_write_keeps_the_previous_file_and_leaves_no_temporary()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "model.safetensors");
        var old = OldTensors();
        SafetensorsWriter.Write(path, old);

        var error = Assert.Throws<NotSupportedException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["fine"] = ones(2),
            ["complex128"] = complex(ones(2, dtype: ScalarType.Float64), zeros(2, dtype: ScalarType.Float64)),
        }));

        Assert.Contains("complex128", error.Message);
        AssertHolds(path, old);
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_write_stalled_part_way_leaves_the_previous_file_loadable_beside_a_hidden_temporary()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "model.safetensors");
        var old = OldTensors();
        SafetensorsWriter.Write(path, old);
        var replacement = new Dictionary<string, Tensor> { ["new"] = arange(4096, ScalarType.Float32) };
        using var stalled = new ManualResetEventSlim();
        StallingStream? stalling = null;
        Exception? failure = null;
        var writer = new Thread(() =>
        {
            try
            {
                AtomicFile.Write(path, stream => SafetensorsWriter.Write(stalling = new StallingStream(stream, 256, stalled.Set), replacement));
            }
            catch (Exception e)
            {
                failure = e;
            }
        });

        writer.Start();
        Assert.True(stalled.Wait(TimeSpan.FromSeconds(30)), "the write did not reach the stall");

        AssertHolds(path, old);
        var temporary = Assert.Single(Temporaries(path));
        Assert.Equal(256, new FileInfo(temporary).Length);
        Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(temporary).Dispose());

        stalling!.Release();
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the write did not end once released");
        Assert.IsType<IOException>(failure);
        AssertHolds(path, old);
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void A_writer_process_killed_part_way_leaves_the_previous_file_loadable()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_directory, "model.safetensors");
        var old = OldTensors();
        SafetensorsWriter.Write(path, old);

        using (var writer = InterruptedWriterProcess.Start(path))
        {
            writer.WaitUntilStalled(TimeSpan.FromSeconds(60));
            writer.Kill();
        }

        AssertHolds(path, old);
        // Nothing ran after the kill to clean up, so the partial temporary remains; it never took the file's name.
        var temporary = Assert.Single(Temporaries(path));
        Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(temporary).Dispose());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, Tensor> OldTensors() => new()
    {
        ["weight"] = arange(6, ScalarType.Float32).reshape(2, 3),
        ["steps"] = tensor(7L),
    };

    private static void AssertHolds(string path, Dictionary<string, Tensor> expected)
    {
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(expected.Keys.Order(), file.Tensors.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            using var actual = file.Read(name);
            Assert.Equal(Bytes(tensor), Bytes(actual));
        }
    }

    private static IEnumerable<string> Temporaries(string path) =>
        Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.*.tmp");

    private static byte[] Bytes(Tensor tensor)
    {
        using var contiguous = tensor.contiguous();
        return contiguous.bytes.ToArray();
    }
}
