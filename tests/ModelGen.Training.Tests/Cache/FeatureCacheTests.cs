using ModelGen.Training.Cache;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Cache;

public sealed class FeatureCacheTests : IDisposable
{
    private static readonly TeacherIdentity Teacher = new("vit_tiny_a", "SamVitTinyA + LastLayerNeck", "fixture init.backbone_teacher", "RGB in 0-255, SAM mean/std", 80);

    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-feature-cache-").FullName;

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Upstream_cache_files_are_reused_as_the_teachers_features(string @case)
    {
        using var fixture = DistillFixture.Load(@case);
        var modelName = fixture.Sidecar.Root.GetProperty("model_config").GetProperty("backbone_teacher").GetProperty("model_name").GetString()!;
        var cache = new FeatureCache(Path.Combine(DistillCases.Directory, @case + ".cache"), Teacher with { ModelName = modelName });
        using var ids = fixture.Read("image_ids");
        using var expected = fixture.Read("teacher_feat");

        for (var s = 0; s < ids.shape[0]; s++)
            for (var b = 0; b < ids.shape[1]; b++)
            {
                var lookup = cache.Lookup($"sa_{ids[s, b].item<long>()}");
                using var features = lookup.Features;
                Assert.Equal(CacheStatus.UpstreamHit, lookup.Status);
                Assert.True(features!.equal(expected[s, b]).all().item<bool>(), $"{@case} batch {s} image {b}");
            }
    }

    [Fact]
    public void An_entry_is_a_hit_for_its_teacher_and_stale_for_another_naming_what_changed()
    {
        var cache = new FeatureCache(_folder, Teacher);
        using var features = randn(16, 5, 5);
        cache.Store("sa_1", features);

        var hit = cache.Lookup("sa_1");
        using (hit.Features)
        {
            Assert.Equal(CacheStatus.Hit, hit.Status);
            Assert.True(hit.Features!.equal(features).all().item<bool>());
        }

        var other = new FeatureCache(_folder, Teacher with { Weights = "sa1b md5-prefix:4b8939" });
        var stale = other.Lookup("sa_1");
        Assert.Equal(CacheStatus.Stale, stale.Status);
        Assert.Null(stale.Features);
        Assert.Contains("weights 'fixture init.backbone_teacher' instead of 'sa1b md5-prefix:4b8939'", stale.Reason);
        Assert.Equal(CacheStatus.Missing, cache.Lookup("sa_2").Status);
    }

    [Fact]
    public void The_upstream_format_writes_the_bare_pth_files_upstream_reads_and_reuses_them()
    {
        var cache = new FeatureCache(_folder, Teacher, FeatureCacheFormat.Upstream);
        using var features = randn(16, 5, 5);

        cache.Store("sa_1", features);

        Assert.Equal([cache.UpstreamPathOf("sa_1")], Directory.GetFiles(_folder));
        using (var bare = ModelGen.Models.Weights.Torch.TorchTensorFile.ReadTensor(cache.UpstreamPathOf("sa_1")))
            Assert.True(bare.equal(features).all().item<bool>());
        var lookup = cache.Lookup("sa_1");
        using (lookup.Features)
        {
            Assert.Equal(CacheStatus.UpstreamHit, lookup.Status);
            Assert.True(lookup.Features!.equal(features).all().item<bool>());
        }
    }

    [Fact]
    public void An_upstream_format_dump_over_entries_of_ours_writes_upstreams_files_without_the_teacher()
    {
        using var features = randn(16, 5, 5);
        new FeatureCache(_folder, Teacher).Store("sa_1", features);
        var cache = new FeatureCache(_folder, Teacher, FeatureCacheFormat.Upstream);
        var calls = 0;

        var summary = FeatureDump.Run(cache, [("sa_1", () => zeros(1, 3, 80, 80))], batch => { calls++; return batch; });

        Assert.Equal((new FeatureDumpSummary(Reused: 1, Computed: 0), 0), (summary, calls));
        using var written = ModelGen.Models.Weights.Torch.TorchTensorFile.ReadTensor(cache.UpstreamPathOf("sa_1"));
        Assert.True(written.equal(features).all().item<bool>());
    }

    [Fact]
    public void In_the_upstream_format_a_stale_entry_of_ours_gives_way_to_the_upstream_file_written_after_it()
    {
        using var features = randn(16, 5, 5);
        new FeatureCache(_folder, Teacher with { Weights = "another" }).Store("sa_1", features);
        var cache = new FeatureCache(_folder, Teacher, FeatureCacheFormat.Upstream);
        Assert.Equal(CacheStatus.Stale, DisposeAndStatus(cache.Lookup("sa_1")));

        cache.Store("sa_1", features);

        Assert.Equal(CacheStatus.UpstreamHit, DisposeAndStatus(cache.Lookup("sa_1")));
        Assert.Equal(CacheStatus.Stale, DisposeAndStatus(new FeatureCache(_folder, Teacher).Lookup("sa_1")));
    }

    [Fact]
    public void An_interrupted_dump_continues_where_it_stopped()
    {
        var cache = new FeatureCache(_folder, Teacher);
        var images = Enumerable.Range(0, 5).Select(i => ($"sa_{i}", (Func<Tensor>)(() => full(1, 3, 80, 80, (float)i)))).ToList();
        var calls = 0;
        Tensor Failing(Tensor batch) => ++calls <= 2 ? batch.mean([1], keepdim: true)[.., .., ..5, ..5] : throw new OperationCanceledException("interrupted");

        Assert.Throws<OperationCanceledException>(() => FeatureDump.Run(cache, images, Failing));
        Assert.Equal(CacheStatus.Hit, DisposeAndStatus(cache.Lookup("sa_1")));
        Assert.Equal(CacheStatus.Missing, DisposeAndStatus(cache.Lookup("sa_2")));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories));

        var resumed = 0;
        var summary = FeatureDump.Run(cache, images, batch => { resumed++; return batch.mean([1], keepdim: true)[.., .., ..5, ..5]; });

        Assert.Equal(new FeatureDumpSummary(Reused: 2, Computed: 3), summary);
        Assert.Equal(3, resumed);
        var last = cache.Lookup("sa_4");
        using (last.Features)
            Assert.True(last.Features!.equal(full(1, 5, 5, 4f)).all().item<bool>());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CacheStatus DisposeAndStatus(CacheLookup lookup)
    {
        lookup.Features?.Dispose();
        return lookup.Status;
    }
}
