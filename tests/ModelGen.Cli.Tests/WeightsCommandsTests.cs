using ModelGen.Models.Weights;

namespace ModelGen.Cli.Tests;

public sealed class WeightsCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-cli-convert-").FullName;

    [Fact]
    public void Convert_reads_an_official_sam_checkpoint_and_writes_the_encoder_under_upstream_names()
    {
        var output = new StringWriter();
        var target = Path.Combine(_directory, "encoder.safetensors");

        var status = WeightsCommands.Convert(output, StepProgress.None, new ConvertOptions(new FileInfo(Cli.Fixture("sam/sam_tiny_w14.pth")), new FileInfo(target), nameof(CliSamTiny), null, null, null, null));

        Assert.Equal(0, status);
        Assert.Contains("prefix 'image_encoder.' (detected)", output.ToString());
        Assert.Contains("keys outside the prefix ignored", output.ToString());
        using var written = SafetensorsFile.Open(target);
        using var expected = SafetensorsFile.Open(Cli.Fixture("sam/sam_tiny_w14.safetensors"));
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

        var status = WeightsCommands.Convert(TextWriter.Null, StepProgress.None, new ConvertOptions(new FileInfo(Cli.Fixture("sam/sam_tiny_w14.safetensors")), new FileInfo(target), nameof(CliSamTiny), "weights", null, "backbone_teacher", "ovsam"));

        Assert.Equal(0, status);
        using var written = SafetensorsFile.Open(target);
        using var ovsam = SafetensorsFile.Open(Cli.Fixture("sam/sam_tiny_w14.ovsam.safetensors"));
        Assert.Equal(ovsam.Tensors.Keys.Select(k => "backbone_teacher." + k).Order(), written.Tensors.Keys.Order());
    }

    [Fact]
    public void A_bad_file_is_one_error_line_and_leaves_no_output()
    {
        var notWeights = Path.Combine(_directory, "notes.pth");
        File.WriteAllText(notWeights, "not weights");
        var target = Path.Combine(_directory, "out.safetensors");

        var (code, _, error) = Cli.Invoke("convert", notWeights, target, "--model", nameof(CliSamTiny));

        Assert.Equal(3, code);
        Assert.StartsWith("modelgen: error: " + notWeights + ": ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Run_loads_weights_of_any_format_and_prints_the_report()
    {
        var (code, output, _) = Cli.Invoke("run", nameof(CliSamTiny), "--weights", Cli.Fixture("sam/sam_tiny_w14.pth"), "--repeat", "1");

        Assert.Equal(0, code);
        Assert.Contains("weights from sam_tiny_w14.pth", output);
        Assert.Contains("torch zip", output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
