using System.Text;
using System.Text.Json;
using ModelGen.Models.Tests.Testing;
using ModelGen.Models.Weights;
using static ModelGen.Models.Tests.Weights.HandMadeSafetensors;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-safetensors-").FullName;

    [Fact]
    public void A_valid_file_describes_its_tensors_before_reading_them_and_reads_them()
    {
        var path = Save(File($$"""{"__metadata__": {"family": "sam"}, "b": {{Record("\"I64\"", "[1]", "[0, 8]")}}, "a": {{Record("\"F32\"", "[2]", "[8, 16]")}}}""", 16));

        using var file = SafetensorsFile.Open(path);

        Assert.Equal("safetensors", file.Format);
        Assert.Equal(path, file.Path);
        Assert.Equal(["b", "a"], file.Tensors.Keys);
        Assert.Equal(ScalarType.Float32, file.Tensors["a"].DType);
        Assert.Equal([2L], file.Tensors["a"].Shape);
        Assert.Equal(8, file.Entries["a"].Begin);
        Assert.Equal("sam", file.Metadata["family"]);
        using var a = file.Read("a");
        Assert.Equal([BitConverter.ToSingle([8, 9, 10, 11]), BitConverter.ToSingle([12, 13, 14, 15])], Values<float>(a));
        using var b = file.Read("b");
        Assert.Equal([BitConverter.ToInt64([0, 1, 2, 3, 4, 5, 6, 7])], Values<long>(b));
    }

    [Fact]
    public void An_unpadded_header_is_accepted_since_padding_is_only_a_convention_of_writers()
    {
        var header = """{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}""";
        Assert.NotEqual(0, (8 + header.Length) % 8);

        using var file = SafetensorsFile.Open(Save(File(header, 16)));

        Assert.Equal([2L, 2L], file.Tensors["test"].Shape);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Header_order_is_free_as_long_as_the_offsets_tile_the_data()
    {
        var path = Save(File($$"""{"late": {{Record(offsets: "[8, 16]")}}, "early": {{Record(offsets: "[0, 8]")}}, "empty": {{Record(shape: "[0, 4]", offsets: "[16, 16]")}}, "scalar": {{Record(shape: "[]", offsets: "[16, 20]")}}}""", 20));

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(["late", "early", "empty", "scalar"], file.Tensors.Keys);
        using var empty = file.Read("empty");
        Assert.Equal([0L, 4L], empty.shape);
        using var scalar = file.Read("scalar");
        Assert.Empty(scalar.shape);
    }

    [Fact]
    public void Every_fixture_written_by_the_reference_implementation_passes_the_checks()
    {
        var paths = Directory.GetFiles(RepositoryPaths.Fixtures, "*.safetensors", SearchOption.AllDirectories);
        Assert.NotEmpty(paths);

        foreach (var path in paths)
        {
            using var file = SafetensorsFile.Open(path);
            Assert.NotEmpty(file.Tensors);
        }
    }

    [Fact]
    public void A_missing_file_is_reported_as_missing()
    {
        var path = Path.Combine(_directory, "absent.safetensors");

        var error = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(path));

        Assert.Equal(path, error.FilePath);
        Assert.Equal("does not exist", error.Problem);
        Assert.Equal($"{path}: does not exist", error.Message);
    }

    [Fact]
    public void A_directory_is_reported_as_a_directory_rather_than_as_access_denied()
    {
        var error = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(_directory));

        Assert.Equal("is a directory, not a weights file", error.Problem);
    }

    [Fact]
    public void A_file_without_read_permission_is_reported_as_unreadable()
    {
        if (OperatingSystem.IsWindows())
            return; // The permission is set through Unix mode bits; Windows would need an ACL.
        string path;
        if (Environment.IsPrivilegedProcess)
        {
            // Root may read a file whatever its mode bits, except a sysctl file, whose bits bind root too.
            path = "/proc/sys/vm/drop_caches";
            if (!System.IO.File.Exists(path))
                return;
        }
        else
        {
            path = Save(File("{}", 0));
            System.IO.File.SetUnixFileMode(path, UnixFileMode.None);
        }

        var error = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(path));

        Assert.Equal("cannot be opened: permission to read it is denied", error.Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_file_shorter_than_the_header_length_is_rejected(int length)
    {
        var error = OpenFails(new byte[length]);

        Assert.Equal($"is {length} bytes long, too short for the 8-byte header length that starts a safetensors file", error.Problem);
    }

    [Fact]
    public void A_header_length_beyond_the_end_of_the_file_is_rejected()
    {
        var error = OpenFails(WithDeclaredLength(1000, Encoding.UTF8.GetBytes("{}")));

        Assert.Equal("declares a header of 1000 bytes, but only 2 bytes follow the header length", error.Problem);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    public void A_header_length_above_the_format_limit_is_rejected(ulong declared)
    {
        var error = OpenFails(WithDeclaredLength(declared, Encoding.UTF8.GetBytes("{}")));

        Assert.Equal($"declares a header of {declared} bytes, above the format's limit of 100000000; it is probably not a safetensors file", error.Problem);
    }

    [Fact]
    public void A_header_that_is_not_UTF8_is_rejected_with_the_offending_byte()
    {
        byte[] header = [.. Encoding.UTF8.GetBytes("{\"caf"), 0xE9, .. Encoding.UTF8.GetBytes("\": 1}")];

        var error = OpenFails(File(header, 0));

        Assert.Equal("the header is not valid UTF-8: byte 5 of the header (0xE9) does not belong to a UTF-8 sequence", error.Problem);
    }

    [Fact]
    public void A_header_that_is_not_JSON_is_rejected_with_the_parser_position_and_no_raw_JsonException()
    {
        var error = OpenFails(File("{\"a\": {\"dtype\": F32}}", 0));

        Assert.StartsWith("the header is not valid JSON at line 1, byte 17: ", error.Problem);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Theory]
    [InlineData("[]", "array")]
    [InlineData("\"weights\"", "string")]
    [InlineData("3", "number")]
    [InlineData("null", "null")]
    public void A_header_that_is_not_an_object_is_rejected(string header, string kind)
    {
        var error = OpenFails(File(header, 0));

        Assert.Equal($"the header is a JSON {kind}, not an object", error.Problem);
    }

    [Theory]
    [InlineData("[1, 2]", "array [1, 2]")]
    [InlineData("\"F32\"", "string \"F32\"")]
    public void A_tensor_record_that_is_not_an_object_is_rejected(string record, string described)
    {
        var error = OpenFails(File($$"""{"w": {{record}}}""", 0));

        Assert.Equal($"tensor 'w' is described by the JSON {described}, not by an object with dtype, shape and data_offsets", error.Problem);
    }

    [Theory]
    [InlineData("""{"shape": [2], "data_offsets": [0, 8]}""", "dtype")]
    [InlineData("""{"dtype": "F32", "data_offsets": [0, 8]}""", "shape")]
    [InlineData("""{"dtype": "F32", "shape": [2]}""", "data_offsets")]
    [InlineData("""{"dtype": "F32"}""", "shape and data_offsets")]
    public void A_tensor_record_lacking_a_field_is_rejected_naming_the_fields(string record, string missing)
    {
        var error = OpenFails(File($$"""{"w": {{record}}}""", 8));

        Assert.Equal($"tensor 'w' lacks {missing}", error.Problem);
    }

    [Theory]
    [InlineData("32", "[2]", "[0, 8]", "tensor 'w' has the dtype 32, a JSON number instead of a string such as \"F32\"")]
    [InlineData("\"F32\"", "\"[2]\"", "[0, 8]", "tensor 'w' has the shape \"[2]\", a JSON string instead of an array of dimensions")]
    [InlineData("\"F32\"", "[\"2\"]", "[0, 8]", "tensor 'w' has the dimension \"2\" at shape index 0, a JSON string instead of a number")]
    [InlineData("\"F32\"", "[2]", "{\"begin\": 0}", "tensor 'w' has the data_offsets {\"begin\": 0}; they must be [begin, end], two non-negative whole numbers")]
    [InlineData("\"F32\"", "[2]", "[8]", "tensor 'w' has the data_offsets [8]; they must be [begin, end], two non-negative whole numbers")]
    [InlineData("\"F32\"", "[2]", "[0, 8, 16]", "tensor 'w' has the data_offsets [0, 8, 16]; they must be [begin, end], two non-negative whole numbers")]
    [InlineData("\"F32\"", "[2]", "[\"0\", 8]", "tensor 'w' has the data_offsets [\"0\", 8]; they must be [begin, end], two non-negative whole numbers")]
    [InlineData("\"F32\"", "[2]", "[-8, 0]", "tensor 'w' has the data_offsets [-8, 0]; they must be [begin, end], two non-negative whole numbers")]
    [InlineData("\"F32\"", "[2]", "[0.5, 8]", "tensor 'w' has the data_offsets [0.5, 8]; they must be [begin, end], two non-negative whole numbers")]
    public void A_tensor_record_with_a_value_of_the_wrong_type_is_rejected(string dtype, string shape, string offsets, string problem)
    {
        var error = OpenFails(File($$"""{"w": {{Record(dtype, shape, offsets)}}}""", 8));

        Assert.Equal(problem, error.Problem);
    }

    [Fact]
    public void A_negative_dimension_is_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record(shape: "[2, -1]")}}}""", 8));

        Assert.Equal("tensor 'w' has the negative dimension -1 at shape index 1", error.Problem);
    }

    [Theory]
    [InlineData("2.5")]
    [InlineData("2.0")]
    [InlineData("2e0")]
    [InlineData("99999999999999999999")]
    public void A_dimension_that_is_not_a_whole_64_bit_number_is_rejected(string dimension)
    {
        var error = OpenFails(File($$"""{"w": {{Record(shape: $"[{dimension}]")}}}""", 8));

        Assert.Equal($"tensor 'w' has the dimension {dimension} at shape index 0, which is not a whole number that fits in 64 bits", error.Problem);
    }

    [Theory]
    [InlineData("U16")]
    [InlineData("F8_E4M3")]
    [InlineData("f32")]
    [InlineData("float32")]
    public void An_unsupported_dtype_is_rejected_with_the_supported_ones_listed(string dtype)
    {
        var error = OpenFails(File($$"""{"w": {{Record($"\"{dtype}\"")}}}""", 8));

        Assert.Equal($"tensor 'w' has the unsupported dtype '{dtype}' (supported: F64, I64, C64, F32, I32, F16, BF16, I16, I8, U8, BOOL)", error.Problem);
    }

    [Fact]
    public void A_tensor_listed_twice_is_rejected_although_JSON_parsers_keep_the_last()
    {
        var error = OpenFails(File($$"""{"w": {{Record()}}, "w": {{Record()}}}""", 8));

        Assert.Equal("the header lists tensor 'w' more than once", error.Problem);
    }

    [Fact]
    public void A_tensor_listed_twice_through_a_JSON_escape_is_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record()}}, "\u0077": {{Record()}}}""", 8));

        Assert.Equal("the header lists tensor 'w' more than once", error.Problem);
    }

    [Fact]
    public void A_field_given_twice_in_a_tensor_record_is_rejected()
    {
        var error = OpenFails(File("""{"w": {"dtype": "F32", "shape": [2], "dtype": "F64", "data_offsets": [0, 8]}}""", 8));

        Assert.Equal("tensor 'w' has the field 'dtype' more than once", error.Problem);
    }

    [Fact]
    public void Metadata_given_twice_is_rejected()
    {
        var error = OpenFails(File("""{"__metadata__": {}, "__metadata__": {}}""", 0));

        Assert.Equal("the header has __metadata__ more than once", error.Problem);
    }

    [Fact]
    public void A_metadata_key_given_twice_is_rejected()
    {
        var error = OpenFails(File("""{"__metadata__": {"seed": "0", "seed": "1"}}""", 0));

        Assert.Equal("__metadata__ has the key 'seed' more than once", error.Problem);
    }

    [Theory]
    [InlineData("[]", "array")]
    [InlineData("\"sam\"", "string")]
    [InlineData("null", "null")]
    public void Metadata_that_is_not_an_object_is_rejected(string metadata, string kind)
    {
        var error = OpenFails(File($$"""{"__metadata__": {{metadata}}}""", 0));

        Assert.Equal($"__metadata__ is a JSON {kind}, not an object mapping strings to strings", error.Problem);
    }

    [Theory]
    [InlineData("0", "number")]
    [InlineData("true", "boolean")]
    [InlineData("null", "null")]
    [InlineData("{}", "object")]
    [InlineData("[\"a\"]", "array")]
    public void A_metadata_value_that_is_not_a_string_is_rejected(string value, string kind)
    {
        var error = OpenFails(File("""{"__metadata__": {"seed": """ + value + "}}", 0));

        Assert.Equal($"__metadata__ maps 'seed' to the JSON {kind} {value}; metadata values must be strings", error.Problem);
    }

    [Fact]
    public void A_shape_whose_byte_size_overflows_64_bits_is_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record(shape: "[4294967296, 4294967296, 0]", offsets: "[0, 0]")}}}""", 0));

        Assert.Equal("tensor 'w' of shape [4294967296, 4294967296, 0] and dtype F32 would take more bytes than a 64-bit size can count", error.Problem);
    }

    [Fact]
    public void An_element_count_that_overflows_only_once_multiplied_by_the_element_size_is_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record(shape: "[4611686018427387904]", offsets: "[0, 0]")}}}""", 0));

        Assert.Contains("would take more bytes than a 64-bit size can count", error.Problem);
    }

    [Fact]
    public void A_byte_length_that_does_not_match_dtype_and_shape_is_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record(shape: "[3]", offsets: "[0, 8]")}}}""", 8));

        Assert.Equal("tensor 'w' of shape [3] and dtype F32 takes 12 bytes, but its data_offsets [0, 8] span 8", error.Problem);
    }

    [Fact]
    public void Data_offsets_that_end_before_they_begin_are_rejected()
    {
        var error = OpenFails(File($$"""{"w": {{Record(offsets: "[8, 0]")}}}""", 8));

        Assert.Equal("tensor 'w' has the data_offsets [8, 0], which end before they begin", error.Problem);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_with_both_named()
    {
        var error = OpenFails(File($$"""{"a": {{Record(offsets: "[0, 8]")}}, "b": {{Record(offsets: "[4, 12]")}}}""", 12));

        Assert.Equal("tensors 'a' [0, 8) and 'b' [4, 12) overlap in the data section", error.Problem);
    }

    [Fact]
    public void Two_tensors_sharing_their_bytes_are_rejected_as_overlapping()
    {
        var error = OpenFails(File($$"""{"a": {{Record()}}, "b": {{Record()}}}""", 8));

        Assert.Equal("tensors 'a' [0, 8) and 'b' [0, 8) overlap in the data section", error.Problem);
    }

    [Fact]
    public void A_gap_between_tensors_is_rejected_with_both_named()
    {
        var error = OpenFails(File($$"""{"b": {{Record(offsets: "[12, 20]")}}, "a": {{Record(offsets: "[0, 8]")}}}""", 20));

        Assert.Equal("bytes [8, 12) of the data section, between tensors 'a' and 'b', belong to no tensor", error.Problem);
    }

    [Fact]
    public void Bytes_before_the_first_tensor_are_rejected()
    {
        var error = OpenFails(File($$"""{"a": {{Record(offsets: "[4, 12]")}}}""", 12));

        Assert.Equal("the first 4 bytes of the data section belong to no tensor (the first tensor, 'a', begins at byte 4)", error.Problem);
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_rejected()
    {
        var error = OpenFails(File($$"""{"a": {{Record()}}}""", 11));

        Assert.Equal("the last 3 bytes of the data section, after tensor 'a', belong to no tensor", error.Problem);
    }

    [Fact]
    public void Data_without_any_tensor_is_rejected()
    {
        var error = OpenFails(File("""{"__metadata__": {}}""", 8));

        Assert.Equal("the header lists no tensor, yet 8 bytes of data follow it", error.Problem);
    }

    [Fact]
    public void A_tensor_ending_beyond_the_file_is_rejected_as_truncated()
    {
        var error = OpenFails(File($$"""{"a": {{Record()}}, "b": {{Record(offsets: "[8, 16]")}}}""", 12));

        Assert.Equal("tensor 'b' [8, 16) ends beyond the data section, which is 12 bytes long; the file is truncated or its header is wrong", error.Problem);
    }

    [Fact]
    public void A_tensor_truncated_after_opening_fails_to_read_with_a_clear_message()
    {
        var path = Save(File($$"""{"a": {{Record()}}, "b": {{Record(shape: "[4]", offsets: "[8, 24]")}}}""", 24));
        using var file = SafetensorsFile.Open(path);
        using (var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            RandomAccess.SetLength(handle, RandomAccess.GetLength(handle) - 10);

        using var a = file.Read("a");
        var error = Assert.Throws<WeightFileException>(() => file.Read("b"));

        Assert.Equal("tensor 'b' is cut short: the file ends 6 bytes into its 16 bytes of data; the file changed after it was opened", error.Problem);
    }

    [Fact]
    public void Reading_a_name_the_file_does_not_have_is_a_key_error()
    {
        using var file = SafetensorsFile.Open(Save(File($$"""{"a": {{Record()}}}""", 8)));

        var error = Assert.Throws<KeyNotFoundException>(() => file.Read("b"));

        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Each_kind_of_problem_has_its_own_message()
    {
        string[] headers =
        [
            $$"""{"w": {{Record(shape: "[-1]")}}}""",
            $$"""{"w": {{Record(shape: "[1.5]")}}}""",
            $$"""{"w": {{Record(shape: "[3]")}}}""",
            $$"""{"w": {{Record(offsets: "[8, 0]")}}}""",
            $$"""{"w": {{Record(offsets: "[4, 12]")}}}""",
            $$"""{"w": {{Record("\"U16\"")}}}""",
            """{"__metadata__": {"a": 1}}""",
        ];

        var problems = headers.Select(h => OpenFails(File(h, 8)).Problem).ToList();

        Assert.Equal(problems.Count, problems.Distinct().Count());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static T[] Values<T>(Tensor tensor)
        where T : unmanaged
    {
        using var values = tensor.data<T>();
        return values.ToArray();
    }

    private string Save(byte[] bytes)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private WeightFileException OpenFails(byte[] bytes)
    {
        var path = Save(bytes);
        var error = Assert.Throws<WeightFileException>(() => SafetensorsFile.Open(path));
        Assert.Equal(path, error.FilePath);
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }
}
