using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Checkpoints;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// <see cref="DistillationComposition.Initialize"/>: the teacher's declared pretrained weights (here a file put in a
/// weights folder, as a user's <c>MODELGEN_WEIGHTS</c>), the student from a checkpoint by its prefix, and the student
/// neck's position embedding from the teacher's pretrained file.
/// </summary>
public sealed class CompositionInitializeTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();
    private readonly WeightsDownloader _downloader;
    private readonly string _teacherFile;

    public CompositionInitializeTests()
    {
        _downloader = new WeightsDownloader(new WeightsCache(_folder.File("weights")));
        Directory.CreateDirectory(_folder.File("weights"));
        _teacherFile = _folder.File(Path.Combine("weights", SamVitTinyCk.Pretrained["tiny"].FileName));
        using var teacher = new SamVitTinyCk();
        using (no_grad())
            foreach (var (_, parameter) in teacher.named_parameters())
                parameter.uniform_(-1, 1);
        teacher.SaveWeights(_teacherFile, prefix: "image_encoder");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_student_necks_embedding_is_the_teachers_pretrained_one_with_or_without_the_teacher_built(bool withTeacher)
    {
        using var composition = new TinySam2ClipDistillation(withTeacher);

        var done = composition.Initialize(_downloader);

        using var file = SafetensorsFile.Open(_teacherFile);
        using var expected = file.Read("image_encoder.pos_embed");
        Bitwise.Equal(expected, composition.StudentNeck.PosEmbed, "neck_student.pos_embed");
        Assert.Equal(withTeacher ? [CompositionParts.Teacher, CompositionParts.StudentNeck] : [CompositionParts.StudentNeck], done.Select(d => d.Role));
        if (withTeacher)
        {
            Assert.True(done[0].Report!.IsComplete);
            using var loaded = file.Read("image_encoder.patch_embed.proj.weight");
            Bitwise.Equal(loaded, composition.Teacher!.state_dict()["patch_embed.proj.weight"], "the teacher's pretrained weights");
        }
    }

    [Fact]
    public void The_student_loads_a_checkpoint_by_its_prefix_and_parts_left_out_are_not_initialised()
    {
        var checkpoint = Path.Combine(RepositoryPaths.Fixtures, "checkpoints", "mmengine_rwkvsam_tiny.pth");
        using var composition = new TinyRwkvSamDistillation();
        using var teacherBefore = composition.Teacher!.state_dict()["pos_embed"].clone();

        var done = composition.Initialize(_downloader, studentCheckpoint: checkpoint, pretrained: CompositionParts.None);

        var only = Assert.Single(done);
        Assert.Equal(CompositionParts.Student, only.Role);
        Assert.Equal("backbone_student.", only.Report!.Prefix);
        using var file = WeightFiles.Open(checkpoint);
        foreach (var (key, value) in composition.Student.state_dict())
        {
            using var stored = file.Read("backbone_student." + key);
            Bitwise.Equal(stored, value, key);
        }
        Bitwise.Equal(teacherBefore, composition.Teacher!.state_dict()["pos_embed"], "the teacher, not initialised");
    }

    public void Dispose() => _folder.Dispose();
}
