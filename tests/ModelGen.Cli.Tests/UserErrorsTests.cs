using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;

namespace ModelGen.Cli.Tests;

/// <summary>Every user error is one line on stderr, a documented exit code, nothing built and no stack trace (docs/errors.md).</summary>
public sealed class UserErrorsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-cli-errors-").FullName;

    [Theory]
    [InlineData(2, "--threads must be from 1 to 256; got 0.", "run", "SamVitB", "--threads", "0")]
    [InlineData(2, "--threads must be from 1 to 256; got -3.", "run", "SamVitB", "--threads", "-3")]
    [InlineData(2, "--threads must be from 1 to 256; got 257.", "run", "SamVitB", "--threads", "257")]
    [InlineData(2, "got 0 (try 16).", "run", "SamVitB", "--size", "0")]
    [InlineData(2, "got -5 (try 16).", "run", "SamVitB", "--size", "-5")]
    [InlineData(2, "--size: SamVitB takes multiples of 16 from 16 to 2048; got 100 (try 96 or 112).", "run", "SamVitB", "--size", "100")]
    [InlineData(2, "--size: OpenClipRN50 takes sides from 31 to 2048; got 4096 (try 2048).", "run", "OpenClipRN50", "--size", "4096")]
    [InlineData(2, "--size: OpenClipRN50 takes sides from 31 to 2048; got 30 (try 31).", "run", "OpenClipRN50", "--size", "30")]
    [InlineData(2, "--size: OpenClipViTB16 takes multiples of 16 from 32 to 2048; got 16 (try 32).", "run", "OpenClipViTB16", "--size", "16")]
    [InlineData(2, "--size: OpenClipViTL14 takes multiples of 14 from 28 to 2048; got 2047 (try 2044).", "run", "OpenClipViTL14", "--size", "2047")]
    [InlineData(2, "--size takes a whole number; got 'big'.", "run", "SamVitB", "--size", "big")]
    [InlineData(2, "--repeat must be 0 (the warm-up forward only) or more; got -1.", "run", "SamVitB", "--repeat", "-1")]
    [InlineData(2, "Did you mean 'SamVitB'?", "run", "SamVitb")]
    [InlineData(2, "Did you mean 'OpenClipRN50'?", "describe", "OpenClipRN5O")]
    [InlineData(2, "Unrecognized command or argument 'frob'.", "frob")]
    [InlineData(2, "Required command was not provided.")]
    [InlineData(2, "Unrecognized command or argument '--sise'.", "run", "SamVitB", "--sise", "64")]
    [InlineData(2, "--pretrained: SamVitB has no weights tagged 'openai'; its tags are 'sa1b'.", "run", "SamVitB", "--pretrained", "openai")]
    [InlineData(2, "--pretrained: VitaminTinyRwkv declares no pretrained weights; load a file with --weights.", "describe", "VitaminTinyRwkv", "--pretrained", "sa1b")]
    [InlineData(2, "give --pretrained or --weights, not both.", "run", "SamVitB", "--pretrained", "sa1b", "--weights", "{text}")]
    [InlineData(2, "--prefix and --alias-scheme apply to --weights; give the file too.", "run", "SamVitB", "--prefix", "image_encoder")]
    [InlineData(2, "--alias-scheme: SamVitB has no alias scheme 'detectron'; it knows 'ovsam'.", "run", "SamVitB", "--weights", "{text}", "--alias-scheme", "detectron")]
    [InlineData(2, "give --image or --pattern, not both.", "run", "SamVitB", "--image", "{text}", "--pattern")]
    [InlineData(3, "--image: {missing} does not exist.", "run", "SamVitB", "--image", "{missing}")]
    [InlineData(3, "--image: {text} is not an image SkiaSharp can decode", "run", "SamVitB", "--image", "{text}")]
    [InlineData(3, "--image: {dir} is a directory; give a PNG or JPEG file.", "run", "SamVitB", "--image", "{dir}")]
    [InlineData(3, "--weights: {missing} does not exist.", "run", "SamVitB", "--weights", "{missing}")]
    [InlineData(3, "--save-features: {text} is a file, not a folder.", "run", "SamVitB", "--save-features", "{text}")]
    [InlineData(3, "checkpoint: {missing} does not exist.", "convert", "{missing}", "{dir}/out.safetensors", "--model", "SamVitB")]
    [InlineData(3, "output: {dir} is a directory; give the path of a file to write.", "convert", "{text}", "{dir}", "--model", "SamVitB")]
    [InlineData(2, "--save-alias-scheme: SamVitB has no alias scheme 'timm'; it knows 'ovsam'.", "convert", "{text}", "{dir}/out.safetensors", "--model", "SamVitB", "--save-alias-scheme", "timm")]
    public void A_user_error_is_one_line_and_its_exit_code_before_anything_is_built(int exitCode, string message, params string[] args)
    {
        var text = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(text, "not an image, not weights");
        string Expand(string value) => value.Replace("{text}", text).Replace("{missing}", Path.Combine(_directory, "missing.png")).Replace("{dir}", _directory);

        var (code, output, error) = Cli.Invoke(args.Select(Expand).ToArray());

        Assert.Equal(exitCode, code);
        Assert.Equal("", output);
        Assert.StartsWith("modelgen: error: ", error);
        Assert.Contains(Expand(message), error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_weights_file_that_is_not_one_is_a_file_error_naming_it()
    {
        var notWeights = Path.Combine(_directory, "notes.pth");
        File.WriteAllText(notWeights, "not weights");

        var (code, _, error) = Cli.Invoke("run", nameof(CliSamTiny), "--weights", notWeights, "--pattern");

        Assert.Equal(3, code);
        Assert.StartsWith($"modelgen: error: {notWeights}: ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        var (code, _, error) = Cli.Invoke("run", "SamVitB", "--size", "100", "--verbose");

        Assert.Equal(2, code);
        var lines = error.TrimEnd().Split('\n');
        Assert.StartsWith("modelgen: error: --size: SamVitB takes multiples of 16", lines[0]);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("at ModelGen.Cli.ArgumentChecks.Size", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unexpected_failure_is_exit_code_1_with_one_line_and_a_hint()
    {
        var error = new StringWriter();

        var code = ErrorReport.Write(error, new InvalidOperationException("first line\nC++ backtrace\n  frame 1"), verbose: false);

        Assert.Equal(1, code);
        Assert.Equal("modelgen: error: unexpected InvalidOperationException: first line (run with --verbose for the stack trace)", error.ToString().TrimEnd());
    }

    [Fact]
    public void A_forward_refused_for_memory_is_exit_code_1_with_its_own_message()
    {
        var error = new StringWriter();

        var code = ErrorReport.Write(error, new InsufficientMemoryException("SamVitB would need about 3.5 GiB at the peak of its forward (its activations) for a 1x3x1024x1024 batch of Float32, but 2.0 GiB is available on cpu. Use a smaller image or batch."), verbose: false);

        Assert.Equal(1, code);
        Assert.Equal("modelgen: error: SamVitB would need about 3.5 GiB at the peak of its forward (its activations) for a 1x3x1024x1024 batch of Float32, but 2.0 GiB is available on cpu. Use a smaller image or batch.", error.ToString().TrimEnd());
    }

    [Fact]
    public void A_failed_download_is_exit_code_4_and_a_damaged_local_file_exit_code_3()
    {
        var error = new StringWriter();
        var offline = new WeightsDownloadException(DownloadFailure.Unreachable, "https://example.org/w.pth", "/cache/w.pth", "Could not reach https://example.org/w.pth: no route.");
        var damaged = new WeightFileException("/weights/w.pth", "its MD5 is 00, but the published w.pth has one starting 01ec64.");

        Assert.Equal(4, ErrorReport.Write(error, offline, verbose: false));
        Assert.Equal(3, ErrorReport.Write(error, damaged, verbose: false));
        Assert.Equal(["modelgen: error: Could not reach https://example.org/w.pth: no route.", "modelgen: error: /weights/w.pth: its MD5 is 00, but the published w.pth has one starting 01ec64."], error.ToString().TrimEnd().Split('\n'));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
