using System.Globalization;
using ModelGen.Models.Weights;
using SkiaSharp;

namespace ModelGen.Cli.Tests;

/// <summary>
/// <c>modelgen dump</c> and <c>modelgen distill</c> on <see cref="TinyDistillation"/> over five small PNGs of different
/// shapes: three epochs of three iterations (batches of two, the last of one).
/// </summary>
public sealed class DistillationCommandsTests : IDisposable
{
    private const int Iterations = 9;

    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-distill-").FullName;

    public DistillationCommandsTests()
    {
        Directory.CreateDirectory(Images);
        (int Width, int Height)[] sizes = [(64, 48), (40, 64), (64, 64), (30, 50), (50, 20)];
        for (var i = 0; i < sizes.Length; i++)
            WritePng(Path.Combine(Images, $"sa_{i + 1}.png"), sizes[i].Width, sizes[i].Height, i);
    }

    private string Images => Path.Combine(_directory, "images");

    [Fact]
    public void Distill_lowers_the_loss_runs_the_teacher_in_the_first_epoch_only_and_writes_its_outputs()
    {
        var output = Path.Combine(_directory, "run");

        var (code, stdout, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--checkpoint-every", "4");

        Assert.True(code == 0 && error.Length == 0, $"exit code {code}: {error}");
        var log = Log(output);
        Assert.Equal(Enumerable.Range(0, Iterations), log.Select(r => r.Iteration));
        Assert.Equal([5, 0, 0], log.GroupBy(r => r.Epoch).Select(g => g.Sum(r => r.TeacherImages)));
        var firstEpoch = log.Where(r => r.Epoch == 0).Average(r => r.Loss);
        var lastEpoch = log.Where(r => r.Epoch == 2).Average(r => r.Loss);
        Assert.True(lastEpoch < firstEpoch, $"the mean loss falls from {firstEpoch} (epoch 0) to {lastEpoch} (epoch 2)");
        Assert.Contains("the teacher ran on 5 images", stdout);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, "loss.png"))[..4]);
        Assert.Equal(["iter_4.safetensors", "iter_8.safetensors", "iter_9.safetensors"], Directory.GetFiles(output, "iter_*").Select(Path.GetFileName).Order());
        using var student = SafetensorsFile.Open(Path.Combine(output, "student.safetensors"));
        Assert.All(student.Tensors.Keys, k => Assert.StartsWith("backbone_student.", k));
        using var pth = ModelGen.Models.Weights.Torch.TorchCheckpointFile.Open(Path.Combine(output, "student.pth"));
        Assert.Equal("state_dict", pth.UnwrappedFrom);
        Assert.Equal(student.Tensors.Keys.Order(), pth.Tensors.Keys.Order());
        Assert.Equal(5, Directory.GetFiles(Path.Combine(output, "cache")).Length);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_resumed_run_reproduces_the_uninterrupted_runs_log()
    {
        var straight = Path.Combine(_directory, "straight");
        var stopped = Path.Combine(_directory, "stopped");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", straight).ExitCode);

        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", stopped, "--max-iters", "4").ExitCode);
        var (code, stdout, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", stopped, "--resume");

        Assert.True(code == 0 && error.Length == 0, $"exit code {code}: {error}");
        Assert.Contains("resumed from iter_4.safetensors; 5 iterations, 9 in all; the teacher ran on 0 images", stdout);
        // The first epoch filled the cache: the resumed run goes on without building the teacher, and is the same run.
        Assert.Contains("CliDistillTeacher is not built: the cache holds every image's features", stdout);
        Assert.Equal(LossColumn(straight), LossColumn(stopped));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "student.safetensors")), File.ReadAllBytes(Path.Combine(stopped, "student.safetensors")));
    }

    [Fact]
    public void Ctrl_c_stops_with_a_checkpoint_and_exit_code_130_and_the_run_resumes()
    {
        var straight = Path.Combine(_directory, "straight");
        var cancelled = Path.Combine(_directory, "cancelled");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", straight).ExitCode);
        var error = new StringWriter();
        var options = new DistillOptions(nameof(TinyDistillation), new DirectoryInfo(Images), new DirectoryInfo(cancelled));

        var code = DistillationCommands.Distill(new StringWriter(), error, StepProgress.None, options, new CancellationToken(canceled: true));

        Assert.Equal(130, code);
        Assert.Equal($"modelgen: interrupted after iteration 0; checkpoint {Path.Combine(cancelled, "iter_0.safetensors")} written; continue with --resume.", error.ToString().TrimEnd());
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", cancelled, "--resume").ExitCode);
        Assert.Equal(LossColumn(straight), LossColumn(cancelled));
    }

    [Fact]
    public void Dump_writes_one_entry_an_image_and_a_second_dump_computes_none()
    {
        var cache = Path.Combine(_directory, "cache");

        var first = Cli.Invoke("dump", nameof(TinyDistillation), "--images", Images, "--out", cache);
        var second = Cli.Invoke("dump", nameof(TinyDistillation), "--images", Images, "--out", cache);

        Assert.Equal((0, ""), (first.ExitCode, first.Error));
        Assert.Contains($"dumped 5 images into {cache}; 0 already cached", first.Output);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"sa_{i}_clidistillteacher_cache.safetensors").ToList(),
            Directory.GetFiles(cache).Select(f => Path.GetFileName(f)!).Order().ToList());
        Assert.Contains($"dumped 0 images into {cache}; 5 already cached", second.Output);

        // distill reads the dumped cache: the teacher is not even built.
        var (code, stdout, _) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", Path.Combine(_directory, "run"), "--cache", cache, "--epochs", "1");
        Assert.Equal(0, code);
        Assert.Contains("the teacher ran on 0 images", stdout);
        Assert.Contains("CliDistillTeacher is not built", stdout);
    }

    [Fact]
    public void Dump_in_upstreams_format_writes_the_files_upstream_reads_and_distill_reuses_them()
    {
        var cache = Path.Combine(_directory, "upstream-cache");

        var first = Cli.Invoke("dump", nameof(TinyDistillation), "--images", Images, "--out", cache, "--format", "upstream");
        var second = Cli.Invoke("dump", nameof(TinyDistillation), "--images", Images, "--out", cache, "--format", "upstream");

        Assert.Equal((0, ""), (first.ExitCode, first.Error));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"sa_{i}_clidistillteacher_cache.pth").ToList(),
            Directory.GetFiles(cache).Select(f => Path.GetFileName(f)!).Order().ToList());
        Assert.Contains($"dumped 0 images into {cache}; 5 already cached", second.Output);
        var (code, stdout, _) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", Path.Combine(_directory, "run"), "--cache", cache, "--epochs", "1");
        Assert.Equal(0, code);
        Assert.Contains("the teacher ran on 0 images", stdout);
    }

    [Theory]
    [InlineData(2, "--weight-decay must be 0 or more; got -1.", "distill", "TinyDistillation", "--images", "{images}", "--weight-decay", "-1")]
    [InlineData(2, "--warmup-factor must be in (0, 1]; got 2.", "distill", "TinyDistillation", "--images", "{images}", "--warmup-factor", "2")]
    [InlineData(2, "give --max-grad-norm or --no-clipping, not both.", "distill", "TinyDistillation", "--images", "{images}", "--max-grad-norm", "1", "--no-clipping")]
    [InlineData(2, "--base-batch-size must be at least 1; got 0.", "distill", "TinyDistillation", "--images", "{images}", "--base-batch-size", "0")]
    [InlineData(2, "--format 'pth' is not a cache format; use modelgen or upstream.", "dump", "TinyDistillation", "--images", "{images}", "--format", "pth")]
    [InlineData(3, "--images: {empty}: the folder holds no PNG or JPEG image (*.png, *.jpg, *.jpeg).", "distill", "TinyDistillation", "--images", "{empty}")]
    [InlineData(3, "--images: {empty}: the folder holds no PNG or JPEG image (*.png, *.jpg, *.jpeg).", "dump", "TinyDistillation", "--images", "{empty}")]
    [InlineData(3, "--images: {broken}/sa_9.png: the file is not an image SkiaSharp can decode (PNG, JPEG).", "distill", "TinyDistillation", "--images", "{broken}")]
    [InlineData(3, "--images: {dir}/missing: the folder does not exist.", "distill", "TinyDistillation", "--images", "{dir}/missing")]
    [InlineData(2, "No distillation composition named 'Nope' is registered.", "distill", "Nope", "--images", "{images}")]
    [InlineData(2, "--epochs must be at least 1; got 0.", "distill", "TinyDistillation", "--images", "{images}", "--epochs", "0")]
    [InlineData(2, "--batch-size takes a whole number; got 'two'.", "distill", "TinyDistillation", "--images", "{images}", "--batch-size", "two")]
    [InlineData(2, "--lr must be a positive number; got -1.", "distill", "TinyDistillation", "--images", "{images}", "--lr", "-1")]
    [InlineData(2, "--dtype must be float32 or float64; got 'half'.", "distill", "TinyDistillation", "--images", "{images}", "--dtype", "half")]
    [InlineData(3, "--resume: {out} holds no checkpoint to continue (no last_checkpoint file).", "distill", "TinyDistillation", "--images", "{images}", "--resume")]
    [InlineData(3, "--student-weights: {dir}/missing.pth does not exist.", "distill", "TinyDistillation", "--images", "{images}", "--student-weights", "{dir}/missing.pth")]
    [InlineData(2, "--pretrained: TinyDistillation's teacher CliDistillTeacher declares no pretrained weights; give --weights.", "dump", "TinyDistillation", "--images", "{images}", "--pretrained")]
    [InlineData(2, "Option '--out' is required.", "distill", "TinyDistillation", "--images", "{images}", "--no-out")]
    public void A_user_error_is_one_line_and_its_exit_code_before_anything_is_built(int exitCode, string message, params string[] args)
    {
        var broken = Path.Combine(_directory, "broken");
        Directory.CreateDirectory(broken);
        WritePng(Path.Combine(broken, "sa_1.png"), 16, 16, 0);
        File.WriteAllText(Path.Combine(broken, "sa_9.png"), "not an image");
        Directory.CreateDirectory(Path.Combine(_directory, "empty"));
        var output = Path.Combine(_directory, "out");
        string Expand(string value) => value.Replace("{empty}", Path.Combine(_directory, "empty")).Replace("{broken}", broken)
            .Replace("{images}", Images).Replace("{out}", output).Replace("{dir}", _directory);
        string[] outOption = args.Contains("--no-out") ? [] : ["--out", output];

        var (code, stdout, error) = Cli.Invoke([.. args.Where(a => a != "--no-out").Select(Expand), .. outOption]);

        Assert.Equal(exitCode, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("modelgen: error: ", error);
        Assert.Contains(Expand(message), error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(output, "cache")), "nothing was run");
    }

    [Fact]
    public void A_second_run_into_the_same_folder_needs_resume()
    {
        var output = Path.Combine(_directory, "run");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--max-iters", "1").ExitCode);

        var (code, _, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output);

        Assert.Equal(2, code);
        Assert.Equal($"modelgen: error: --out: {output} already holds a run (its last checkpoint is iter_1.safetensors); give --resume to continue it, or another --out.", error.TrimEnd());
    }

    [Fact]
    public void A_resume_under_other_settings_is_a_usage_error_naming_them()
    {
        var output = Path.Combine(_directory, "run");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--max-iters", "1").ExitCode);

        var (code, _, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--resume", "--seed", "7");

        Assert.Equal(2, code);
        Assert.Equal($"modelgen: error: --resume: {output} holds a run of other settings, which a resume would not continue: seed 0 in the run, 7 now; "
            + "teacher weights 'initialisation, torch seed 0' in the run, 'initialisation, torch seed 7' now.", error.TrimEnd());
    }

    [Fact]
    public void A_damaged_checkpoint_or_session_file_is_a_file_error_naming_it()
    {
        var output = Path.Combine(_directory, "run");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--max-iters", "1").ExitCode);
        File.WriteAllText(Path.Combine(output, "session.json"), "{ not json");

        var (code, _, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", output, "--resume");

        Assert.Equal(3, code);
        Assert.StartsWith($"modelgen: error: --out: {Path.Combine(output, "session.json")} is not a session's settings: ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void The_recipe_options_reach_the_run_and_a_resume_must_keep_them()
    {
        var defaults = Path.Combine(_directory, "defaults");
        var changed = Path.Combine(_directory, "changed");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", defaults, "--max-iters", "3").ExitCode);
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", changed, "--max-iters", "3",
            "--weight-decay", "0.5", "--max-grad-norm", "0.01", "--warmup-factor", "0.5").ExitCode);

        // Row 1 is the first step, whose loss comes before any update; the updates differ.
        Assert.Equal(4, LossColumn(changed).Count);
        Assert.Equal(LossColumn(defaults)[1], LossColumn(changed)[1]);
        Assert.NotEqual(LossColumn(defaults)[2..], LossColumn(changed)[2..]);

        var (code, _, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", changed, "--resume", "--max-iters", "4", "--warmup-factor", "0.5", "--max-grad-norm", "0.01");
        Assert.Equal(2, code);
        Assert.Contains("optimizer 'weight decay 0.5,", error);
        Assert.Contains("now", error);
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", changed, "--resume", "--max-iters", "4",
            "--weight-decay", "0.5", "--max-grad-norm", "0.01", "--warmup-factor", "0.5").ExitCode);
    }

    [Fact]
    public void Grad_checkpointing_trains_the_same_student()
    {
        var plain = Path.Combine(_directory, "plain");
        var checkpointed = Path.Combine(_directory, "checkpointed");
        Assert.Equal(0, Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", plain, "--max-iters", "3").ExitCode);

        var (code, stdout, error) = Cli.Invoke("distill", nameof(TinyDistillation), "--images", Images, "--out", checkpointed, "--max-iters", "3", "--grad-checkpointing");

        Assert.True(code == 0 && error.Length == 0, $"exit code {code}: {error}");
        Assert.Contains("the student's activations checkpointed per block", stdout);
        // The recomputed blocks give the same values; the gradients may differ in their last bits (summation order).
        var expected = Log(plain);
        var actual = Log(checkpointed);
        Assert.Equal(expected.Select(r => r.Iteration), actual.Select(r => r.Iteration));
        Assert.Equal(expected[0].Loss, actual[0].Loss);
        Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Loss, pair.Second.Loss, 1e-5 * Math.Abs(pair.First.Loss)));
    }

    private static List<(int Epoch, int Iteration, double Loss, int TeacherImages)> Log(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "log.csv")).Skip(1).Select(line => line.Split(','))
            .Select(f => (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>The iteration and loss columns as written: equal strings are equal doubles, bit for bit.</summary>
    private static List<string> LossColumn(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "log.csv")).Select(line => string.Join(",", line.Split(',')[..3])).ToList();

    private static void WritePng(string path, int width, int height, int index)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(255 * x / (width - 1)), (byte)(255 * y / (height - 1)), (byte)(50 * index)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
