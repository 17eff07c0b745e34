using ModelGen.Models.Weights;

namespace ModelGen.Cli.Tests;

public sealed class WeightsCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-cli-convert-").FullName;

    private static string Fixture(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return Path.Combine(directory.FullName, "tests", "fixtures", relative);
        throw new DirectoryNotFoundException("No ModelGen.sln above the test binaries.");
    }

    [Fact]
    public void Convert_reads_an_official_sam_checkpoint_and_writes_the_encoder_under_upstream_names()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var target = Path.Combine(_directory, "encoder.safetensors");

        var status = WeightsCommands.Convert(output, error, new ConvertOptions(new FileInfo(Fixture("sam/sam_tiny_w14.pth")), new FileInfo(target), nameof(CliSamTiny), null, null, null, null));

        Assert.Equal(0, status);
        Assert.Equal("", error.ToString());
        Assert.Contains("prefix 'image_encoder.' (detected)", output.ToString());
        Assert.Contains("keys outside the prefix ignored", output.ToString());
        using var written = SafetensorsFile.Open(target);
        using var expected = SafetensorsFile.Open(Fixture("sam/sam_tiny_w14.safetensors"));
        Assert.Equal(expected.Tensors.Keys.Where(k => k.StartsWith("weights.", StringComparison.Ordinal)).Select(k => k["weights.".Length..]).Order(), written.Tensors.Keys.Order());
        foreach (var key in written.Tensors.Keys)
        {
            using var actual = written.Read(key);
            using var reference = expected.Read("weights." + key);
            Assert.True(actual.equal(reference).all().item<bool>(), key);
        }
    }

    [Fact]
    public void Convert_writes_OVSAM_names_under_a_prefix_when_asked()
    {
        var target = Path.Combine(_directory, "teacher.safetensors");

        var status = WeightsCommands.Convert(TextWriter.Null, TextWriter.Null, new ConvertOptions(new FileInfo(Fixture("sam/sam_tiny_w14.safetensors")), new FileInfo(target), nameof(CliSamTiny), "weights", null, "backbone_teacher", "ovsam"));

        Assert.Equal(0, status);
        using var written = SafetensorsFile.Open(target);
        using var ovsam = SafetensorsFile.Open(Fixture("sam/sam_tiny_w14.ovsam.safetensors"));
        Assert.Equal(ovsam.Tensors.Keys.Select(k => "backbone_teacher." + k).Order(), written.Tensors.Keys.Order());
    }

    [Fact]
    public void A_bad_file_or_model_is_one_error_line_and_a_failing_status()
    {
        var notWeights = Path.Combine(_directory, "notes.pth");
        File.WriteAllText(notWeights, "not weights");
        var target = Path.Combine(_directory, "out.safetensors");

        var error = new StringWriter();
        Assert.Equal(1, WeightsCommands.Convert(TextWriter.Null, error, new ConvertOptions(new FileInfo(notWeights), new FileInfo(target), nameof(CliSamTiny), null, null, null, null)));
        Assert.StartsWith("modelgen: error: " + notWeights + ": ", error.ToString());
        Assert.Single(error.ToString().TrimEnd().Split('\n'));
        Assert.False(File.Exists(target));

        var unknown = new StringWriter();
        Assert.Equal(1, WeightsCommands.Convert(TextWriter.Null, unknown, new ConvertOptions(new FileInfo(notWeights), new FileInfo(target), "CliSamTinny", null, null, null, null)));
        Assert.Contains("Did you mean 'CliSamTiny'?", unknown.ToString());
    }

    [Fact]
    public void Run_loads_weights_of_any_format_and_prints_the_report()
    {
        var output = new StringWriter();

        var status = BackboneCommands.Run(output, new RunOptions(nameof(CliSamTiny), 256, null, new FileInfo(Fixture("sam/sam_tiny_w14.pth")), 1, null));

        Assert.Equal(0, status);
        Assert.Contains("weights: ", output.ToString());
        Assert.Contains("torch zip", output.ToString());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
