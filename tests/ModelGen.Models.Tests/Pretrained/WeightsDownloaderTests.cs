using System.Security.Cryptography;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;

namespace ModelGen.Models.Tests.Pretrained;

public sealed class WeightsDownloaderTests : IDisposable
{
    private const string FileName = "tiny_checkpoint_0123ab.pth";

    // Over three progress steps (1 MiB each) and not a whole number of read buffers.
    private static readonly byte[] Content = CreateContent(3 * 1024 * 1024 + 12345);

    private readonly string _root = Directory.CreateTempSubdirectory("modelgen-pretrained-").FullName;
    private readonly string _cacheFolder;
    private readonly string _weightsFolder;
    private readonly HttpClient _http = new();

    public WeightsDownloaderTests()
    {
        _cacheFolder = Path.Combine(_root, "cache");
        _weightsFolder = Path.Combine(_root, "weights");
    }

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    public static TheoryData<HashKind> HashKinds => [HashKind.Md5Prefix, HashKind.Sha256];

    [Theory]
    [MemberData(nameof(HashKinds))]
    public async Task Downloads_into_the_cache_folder_verifying_the_hash_and_reporting_progress(HashKind kind)
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteOkAsync(connection, Content, token));
        var progress = new RecordingProgress();

        var path = await Downloader().EnsureAsync(Source(server.UrlOf(FileName), HashOf(Content, kind)), progress);

        Assert.Equal(Path.Combine(_cacheFolder, FileName), path);
        Assert.Equal(Content, await File.ReadAllBytesAsync(path));
        var reports = progress.Reports;
        Assert.Equal(new DownloadProgress(FileName, 0, Content.Length), reports[0]);
        Assert.Equal(new DownloadProgress(FileName, Content.Length, Content.Length), reports[^1]);
        Assert.True(reports.Count >= 4, $"expected a report a MiB, got {reports.Count}");
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesReceived < p.Second.BytesReceived), "progress must grow");
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public async Task A_second_call_uses_the_downloaded_file_without_asking_the_server()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteOkAsync(connection, Content, token));
        var source = Source(server.UrlOf(FileName), HashOf(Content, HashKind.Sha256));
        var first = await Downloader().EnsureAsync(source);

        var second = await Downloader().EnsureAsync(source);

        Assert.Equal(first, second);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task A_wrong_hash_leaves_no_file_and_names_both_hashes()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteOkAsync(connection, Content, token));
        var wrong = FileHash.Md5Prefix(FlipFirstDigit(HashOf(Content, HashKind.Md5Prefix).Hex));

        var error = await Assert.ThrowsAsync<WeightsDownloadException>(() => Downloader().EnsureAsync(Source(server.UrlOf(FileName), wrong)));

        Assert.Equal(DownloadFailure.HashMismatch, error.Failure);
        Assert.Contains($"an MD5 starting with {wrong.Hex}", error.Message);
        Assert.Contains(Convert.ToHexStringLower(MD5.HashData(Content)), error.Message);
        AssertNothingSaved();
    }

    [Fact]
    public async Task A_transfer_cut_off_halfway_leaves_no_file()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) =>
            LoopbackHttpServer.WriteCutOffAsync(connection, Content, Content.Length / 2, token));

        var error = await Assert.ThrowsAsync<WeightsDownloadException>(() =>
            Downloader().EnsureAsync(Source(server.UrlOf(FileName), HashOf(Content, HashKind.Sha256))));

        Assert.Equal(DownloadFailure.CutOff, error.Failure);
        Assert.Contains($"of {Content.Length} bytes", error.Message);
        AssertNothingSaved();
    }

    [Fact]
    public async Task A_stalled_transfer_gives_up_after_the_timeout_and_leaves_no_file()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) =>
            LoopbackHttpServer.WriteStalledAsync(connection, Content, Content.Length / 2, token));
        var downloader = new WeightsDownloader(new WeightsCache(_cacheFolder), _http) { Timeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<WeightsDownloadException>(() =>
            downloader.EnsureAsync(Source(server.UrlOf(FileName), HashOf(Content, HashKind.Sha256))));

        Assert.Equal(DownloadFailure.CutOff, error.Failure);
        Assert.Contains("no data came for", error.Message);
        AssertNothingSaved();
    }

    [Fact]
    public async Task A_slow_but_steady_transfer_outlasting_the_timeout_completes()
    {
        // Pauses far below the timeout: on a loaded machine a timer or a read can run a second late.
        await using var server = new LoopbackHttpServer((_, connection, token) =>
            LoopbackHttpServer.WriteSlowlyAsync(connection, Content, chunks: 40, TimeSpan.FromMilliseconds(100), token));
        var timeout = TimeSpan.FromSeconds(3);
        var downloader = new WeightsDownloader(new WeightsCache(_cacheFolder), _http) { Timeout = timeout };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var path = await downloader.EnsureAsync(Source(server.UrlOf(FileName), HashOf(Content, HashKind.Sha256)));

        Assert.True(clock.Elapsed > timeout, $"the transfer took {clock.Elapsed}, not longer than the timeout");
        Assert.Equal(Content, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task An_http_error_status_leaves_no_file_and_names_the_status()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteStatusAsync(connection, "404 Not Found", token));
        var url = server.UrlOf(FileName);

        var error = await Assert.ThrowsAsync<WeightsDownloadException>(() => Downloader().EnsureAsync(Source(url, null)));

        Assert.Equal(DownloadFailure.HttpStatus, error.Failure);
        Assert.Contains($"{url} answered 404 (Not Found)", error.Message);
        AssertNothingSaved();
    }

    [Fact]
    public async Task An_unreachable_server_says_which_file_to_put_where()
    {
        var url = LoopbackHttpServer.UnreachableUrlOf(FileName);

        var error = await Assert.ThrowsAsync<WeightsDownloadException>(() => Downloader().EnsureAsync(Source(url, HashOf(Content, HashKind.Sha256))));

        Assert.Equal(DownloadFailure.Unreachable, error.Failure);
        var destination = Path.Combine(_cacheFolder, FileName);
        Assert.Equal(destination, error.Destination);
        Assert.Contains($"Download {url} and put it at {destination}, or set MODELGEN_WEIGHTS to a folder that holds it.", error.Message);
        AssertNothingSaved();
    }

    [Fact]
    public async Task A_cancelled_download_leaves_no_file()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) =>
            LoopbackHttpServer.WriteStalledAsync(connection, Content, Content.Length / 2, token));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Downloader().EnsureAsync(Source(server.UrlOf(FileName), null), cancellationToken: cancel.Token));

        AssertNothingSaved();
    }

    [Fact]
    public async Task A_file_in_the_weights_folder_is_used_without_the_network_and_before_the_cache()
    {
        Directory.CreateDirectory(_weightsFolder);
        Directory.CreateDirectory(_cacheFolder);
        var own = Path.Combine(_weightsFolder, FileName);
        await File.WriteAllBytesAsync(own, Content);
        await File.WriteAllBytesAsync(Path.Combine(_cacheFolder, FileName), Content);
        var downloader = new WeightsDownloader(new WeightsCache(_weightsFolder, _cacheFolder), _http);

        var path = await downloader.EnsureAsync(Source(LoopbackHttpServer.UnreachableUrlOf(FileName), HashOf(Content, HashKind.Md5Prefix)));

        Assert.Equal(own, path);
        Assert.True(File.Exists(VerificationStamp.StampPath(own)), "a verified file gets a stamp");
    }

    [Fact]
    public async Task A_corrupted_cached_file_is_reported_and_left_alone()
    {
        Directory.CreateDirectory(_cacheFolder);
        var cached = Path.Combine(_cacheFolder, FileName);
        var corrupted = Content[..(Content.Length / 2)];
        await File.WriteAllBytesAsync(cached, corrupted);
        var url = LoopbackHttpServer.UnreachableUrlOf(FileName);
        var expected = HashOf(Content, HashKind.Sha256);

        var error = await Assert.ThrowsAsync<WeightFileException>(() => Downloader().EnsureAsync(Source(url, expected)));

        Assert.Equal(cached, error.FilePath);
        Assert.Contains($"its SHA-256 is {Convert.ToHexStringLower(SHA256.HashData(corrupted))}", error.Message);
        Assert.Contains($"has SHA-256 {expected.Hex}", error.Message);
        Assert.Contains("Delete it to download it again", error.Message);
        Assert.Equal(corrupted, await File.ReadAllBytesAsync(cached));
        Assert.False(File.Exists(VerificationStamp.StampPath(cached)));
    }

    [Fact]
    public async Task A_verified_file_that_changes_afterwards_is_checked_again()
    {
        Directory.CreateDirectory(_cacheFolder);
        var cached = Path.Combine(_cacheFolder, FileName);
        await File.WriteAllBytesAsync(cached, Content);
        var source = Source(LoopbackHttpServer.UnreachableUrlOf(FileName), HashOf(Content, HashKind.Sha256));
        await Downloader().EnsureAsync(source);

        var changed = (byte[])Content.Clone();
        changed[^1] ^= 0xff;
        await File.WriteAllBytesAsync(cached, changed);
        File.SetLastWriteTimeUtc(cached, File.GetLastWriteTimeUtc(cached).AddSeconds(5));

        await Assert.ThrowsAsync<WeightFileException>(() => Downloader().EnsureAsync(source));
    }

    [Fact]
    public async Task Without_a_published_hash_the_file_is_saved_unchecked()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteOkAsync(connection, Content, token));

        var path = await Downloader().EnsureAsync(Source(server.UrlOf(FileName), null));

        Assert.Equal(Content, await File.ReadAllBytesAsync(path));
        Assert.Equal([FileName], Directory.GetFiles(_cacheFolder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_blocking_form_downloads_too()
    {
        await using var server = new LoopbackHttpServer((_, connection, token) => LoopbackHttpServer.WriteOkAsync(connection, Content, token));

        var path = Downloader().Ensure(Source(server.UrlOf(FileName), HashOf(Content, HashKind.Md5Prefix)));

        Assert.Equal(Content, await File.ReadAllBytesAsync(path));
    }

    private WeightsDownloader Downloader() => new(new WeightsCache(_cacheFolder), _http);

    private static PretrainedSource Source(string url, FileHash? hash) => new("test", FileName, url, hash);

    private static FileHash HashOf(byte[] content, HashKind kind) => kind == HashKind.Sha256
        ? FileHash.Sha256(Convert.ToHexStringLower(SHA256.HashData(content)))
        : FileHash.Md5Prefix(Convert.ToHexStringLower(MD5.HashData(content))[..6]);

    private static string FlipFirstDigit(string hex) => (hex[0] == '0' ? '1' : '0') + hex[1..];

    private void AssertNothingSaved()
    {
        var left = Directory.Exists(_cacheFolder) ? Directory.GetFileSystemEntries(_cacheFolder, "*", SearchOption.AllDirectories) : [];
        Assert.True(left.Length == 0, $"left behind: {string.Join(", ", left)}");
    }

    private static byte[] CreateContent(int length)
    {
        var content = new byte[length];
        new Random(1234).NextBytes(content);
        return content;
    }
}
