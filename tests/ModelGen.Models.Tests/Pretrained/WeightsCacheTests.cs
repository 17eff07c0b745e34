using ModelGen.Models.Pretrained;

namespace ModelGen.Models.Tests.Pretrained;

public sealed class WeightsCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("modelgen-weights-cache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_weights_folder_is_looked_in_before_the_cache()
    {
        var weights = Folder("weights");
        var cache = Folder("cache");
        File.WriteAllText(Path.Combine(weights, "a.pth"), "own");
        File.WriteAllText(Path.Combine(cache, "a.pth"), "cached");
        File.WriteAllText(Path.Combine(cache, "b.pth"), "cached");
        var lookup = new WeightsCache(weights, cache);

        Assert.Equal([weights, cache], lookup.LookupFolders);
        Assert.Equal(Path.Combine(weights, "a.pth"), lookup.Find(Source("a.pth")));
        Assert.Equal(Path.Combine(cache, "b.pth"), lookup.Find(Source("b.pth")));
        Assert.Null(lookup.Find(Source("c.pth")));
        Assert.Equal(Path.Combine(cache, "c.pth"), lookup.CachePathOf(Source("c.pth")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_weights_folder_means_only_the_cache(string? weights)
    {
        var cache = Folder("cache");

        Assert.Equal([cache], new WeightsCache(weights, cache).LookupFolders);
    }

    [Fact]
    public void A_weights_folder_that_is_the_cache_is_looked_in_once()
    {
        var cache = Folder("cache");

        Assert.Equal([cache], new WeightsCache(cache + Path.DirectorySeparatorChar, cache).LookupFolders);
    }

    [Theory]
    [InlineData(false, "/xdg", "/xdg/modelgen/weights")]
    [InlineData(false, "relative/xdg", "/profile/me/.cache/modelgen/weights")]
    [InlineData(false, null, "/profile/me/.cache/modelgen/weights")]
    [InlineData(true, "/xdg", "/local-app-data/modelgen/weights")]
    public void The_default_cache_follows_the_platform_convention(bool windows, string? xdgCacheHome, string expected)
    {
        var folder = WeightsCache.DefaultCacheFolder(
            windows,
            name => name == "XDG_CACHE_HOME" ? xdgCacheHome : null,
            special => special switch
            {
                Environment.SpecialFolder.UserProfile => "/profile/me",
                Environment.SpecialFolder.LocalApplicationData => "/local-app-data",
                _ => throw new ArgumentOutOfRangeException(nameof(special)),
            });

        Assert.Equal(expected.Replace('/', Path.DirectorySeparatorChar), folder.Replace('/', Path.DirectorySeparatorChar));
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static PretrainedSource Source(string fileName) => new("test", fileName, $"https://example.invalid/{fileName}");
}
