using ModelGen.Training.Cache;
using ModelGen.Training.Sessions;
using ModelGen.Training.Tests.Checkpoints;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Sessions;

public sealed class FeatureDumpSessionTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void A_dump_writes_one_entry_an_image_that_training_reads_and_a_second_dump_computes_none()
    {
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        var cache = SessionSetup.Cache(composition, _folder.File("cache"));
        var progress = new List<FeatureDumpProgress>();

        var first = new FeatureDumpSession(composition, data, cache).Run(new SynchronousProgress<FeatureDumpProgress>(progress.Add));
        var second = new FeatureDumpSession(composition, data, cache).Run();

        Assert.Equal(new FeatureDumpSummary(0, 5), first);
        Assert.Equal(new FeatureDumpSummary(5, 0), second);
        Assert.Equal(Enumerable.Range(1, 5), progress.Select(p => p.Done));
        Assert.All(progress, p => Assert.Equal((5, CacheStatus.Missing), (p.Total, p.Status)));
        Assert.Equal(data.Folder.Images.Select(i => cache.PathOf(i.Stem)).Order(), Directory.GetFiles(_folder.File("cache")).Order());
        using var batch = data.Load([data.Folder.Images[2]]);
        using var computed = composition.Model.TeacherFeatures(batch.Images);
        var lookup = cache.Lookup(data.Folder.Images[2].Stem);
        using (lookup.Features)
            Bitwise.Equal(computed[0], lookup.Features!, "the stored features");

        // Training on the dumped cache never runs the teacher, so the teacher need not be built.
        using var studentOnly = SessionSetup.Composition(withTeacher: false);
        var result = new DistillationSession(studentOnly, data, new DistillationSessionOptions(_folder.File("run"), Epochs: 1), cache).Run();
        Assert.Equal(0, result.TeacherImages);
    }

    [Fact]
    public void Entries_of_another_teacher_are_recomputed()
    {
        var data = SessionSetup.Images(_folder.File("images"));
        using var composition = SessionSetup.Composition();
        new FeatureDumpSession(composition, data, SessionSetup.Cache(composition, _folder.File("cache"))).Run();
        var other = new FeatureCache(_folder.File("cache"), composition.Spec.TeacherIdentity("other weights"));

        Assert.Equal(new FeatureDumpSummary(0, 5), new FeatureDumpSession(composition, data, other).Run());
    }

    public void Dispose() => _folder.Dispose();
}
