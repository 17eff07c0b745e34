using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Tests.Sam;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Pretrained;

/// <summary>
/// A spec's pretrained source end to end: the file is downloaded from a server on the loopback interface
/// (the spec's URL, sent to the test server's port), verified against the spec's MD5 prefix, cached and
/// loaded with the source's prefix.
/// </summary>
public sealed class LoadPretrainedTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("modelgen-load-pretrained-").FullName;

    [Fact]
    public async Task The_spec_source_is_downloaded_verified_and_loaded_with_its_prefix()
    {
        var checkpoint = await File.ReadAllBytesAsync(FixtureCase.PathOf("sam/sam_tiny_w14.pth"));
        await using var server = new LoopbackHttpServer((path, connection, token) => path == "/weights/sam_tiny_w14.pth"
            ? LoopbackHttpServer.WriteOkAsync(connection, checkpoint, token)
            : LoopbackHttpServer.WriteStatusAsync(connection, "404 Not Found", token));
        using var http = new HttpClient(new PortRedirect(server.Port));
        var downloader = new WeightsDownloader(new WeightsCache(weightsFolder: null, cacheFolder: _cache), http);
        using var @case = FixtureCase.Load("sam/sam_tiny_w14");

        using var model = new SamTinyPretrained();
        var report = model.LoadPretrained("fixture", downloader);

        Assert.Equal(Path.Combine(_cache, "sam_tiny_w14.pth"), report.File);
        Assert.Equal("image_encoder.", report.Prefix);
        Assert.Contains(report.Ignored, k => k.StartsWith("prompt_encoder.", StringComparison.Ordinal));
        using (var input = @case.Read("input"))
        using (no_grad())
        using (var outputs = model.Forward(input))
            @case.AssertOutputsMatch(outputs, input);

        using var fromZoo = ModelZoo.Create(nameof(SamTinyPretrained), fix: true, pretrained: "fixture", downloader: downloader);
        Assert.True(fromZoo.IsFixed);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void An_unknown_tag_names_the_known_ones()
    {
        using var model = new SamTinyPretrained();
        var error = Assert.Throws<ArgumentException>(() => model.LoadPretrained("sa1b"));
        Assert.Contains("'fixture'", error.Message);
        Assert.Throws<KeyNotFoundException>(() => ModelZoo.Create(nameof(SamTinyPretrained), pretrained: "sa1b"));
    }

    [Fact]
    public void Offline_the_error_says_which_file_to_put_where()
    {
        using var model = new SamTinyPretrained();
        using var http = new HttpClient(new PortRedirect(UnusedPort()));
        var downloader = new WeightsDownloader(new WeightsCache(weightsFolder: null, cacheFolder: _cache), http);

        var error = Assert.Throws<WeightsDownloadException>(() => model.LoadPretrained("fixture", downloader));

        Assert.Contains("http://127.0.0.1/weights/sam_tiny_w14.pth", error.Message);
        Assert.Contains(Path.Combine(_cache, "sam_tiny_w14.pth"), error.Message);
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private static int UnusedPort() => new Uri(LoopbackHttpServer.UnreachableUrlOf("x")).Port;

    /// <summary>Sends every request to the test server's port on the loopback interface, as if it listened where the spec says.</summary>
    private sealed class PortRedirect(int port) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = "127.0.0.1", Port = port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
