using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using ModelGen.Models.IO;
using ModelGen.Models.Weights;

namespace ModelGen.Models.Pretrained;

/// <summary>
/// Makes a published checkpoint available as a local file: uses the copy in a lookup folder of the
/// <see cref="WeightsCache"/> after checking its hash, or downloads it into the cache folder. A
/// download is hashed as it streams and is renamed into place only once complete and verified, so a
/// failed, cut-off or wrong download leaves nothing behind.
/// </summary>
/// <remarks>
/// A file found on disk is hashed the first time and the result remembered next to it by size and
/// modification time (see <see cref="VerificationStamp"/>): hashing a 2.5 GB checkpoint takes seconds.
/// </remarks>
public sealed class WeightsDownloader
{
    private const int BufferSize = 1 << 16;
    private const long ProgressStep = 1 << 20;

    private static readonly Lazy<HttpClient> SharedClient = new(CreateClient);

    private readonly HttpClient _http;

    /// <param name="cache">Where files are looked for and saved; by default <c>MODELGEN_WEIGHTS</c>, then the per-user cache.</param>
    /// <param name="httpClient">The client to download with; by default one shared, without an overall time limit (see <see cref="Timeout"/>).</param>
    public WeightsDownloader(WeightsCache? cache = null, HttpClient? httpClient = null)
    {
        Cache = cache ?? new WeightsCache();
        _http = httpClient ?? SharedClient.Value;
    }

    public WeightsCache Cache { get; }

    /// <summary>How long to wait for the server's answer, and then for each next chunk of the file, before giving up.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The path of <paramref name="source"/>'s file, verified, downloading it first if no lookup folder has it.</summary>
    /// <exception cref="WeightsDownloadException">The download failed; nothing was saved.</exception>
    /// <exception cref="WeightFileException">A file on disk has the wrong hash.</exception>
    public async Task<string> EnsureAsync(PretrainedSource source, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Cache.Find(source) is { } found)
        {
            await VerifyAsync(found, source, cancellationToken).ConfigureAwait(false);
            return found;
        }
        var destination = Cache.CachePathOf(source);
        await DownloadAsync(source, destination, progress, cancellationToken).ConfigureAwait(false);
        return destination;
    }

    /// <summary>Blocking form of <see cref="EnsureAsync"/>.</summary>
    public string Ensure(PretrainedSource source, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EnsureAsync(source, progress, cancellationToken).GetAwaiter().GetResult();

    private static async Task<byte[]> HashAsync(FileHash hash, Stream file, CancellationToken cancellationToken) =>
        hash.Kind == HashKind.Sha256
            ? await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false)
            : await MD5.HashDataAsync(file, cancellationToken).ConfigureAwait(false);

    private static async Task VerifyAsync(string path, PretrainedSource source, CancellationToken cancellationToken)
    {
        if (source.Hash is not { } hash || VerificationStamp.IsCurrent(path, hash))
            return;
        string actual;
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        await using (file.ConfigureAwait(false))
            actual = Convert.ToHexString(await HashAsync(hash, file, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
        if (!hash.Matches(actual))
            throw new WeightFileException(path,
                $"its {hash.AlgorithmName} is {actual}, but the published {source.FileName} has {hash.Describe()}: the file is damaged, "
                + $"incomplete or a different one. Delete it to download it again, or replace it with a copy of {source.Url}.");
        VerificationStamp.Record(path, hash);
    }

    private async Task DownloadAsync(PretrainedSource source, string destination, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(source, destination, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw Failure(DownloadFailure.HttpStatus, source, destination,
                $"{source.Url} answered {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()}).");
        var total = response.Content.Headers.ContentLength;
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await AtomicFile.WriteAsync(
                destination,
                (file, token) => CopyVerifiedAsync(body, file, total, source, destination, progress, token),
                cancellationToken).ConfigureAwait(false);
        }
        if (source.Hash is { } hash)
            VerificationStamp.Record(destination, hash);
    }

    private async Task<HttpResponseMessage> SendAsync(PretrainedSource source, string destination, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await _http.GetAsync(source.Url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Failure(DownloadFailure.Unreachable, source, destination, $"Could not reach {source.Url}: {e.Message.TrimEnd('.')}.", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(DownloadFailure.Unreachable, source, destination, $"{source.Url} did not answer within {Timeout.TotalSeconds:0.#} s.", e);
        }
    }

    private async Task CopyVerifiedAsync(
        Stream body, Stream file, long? total, PretrainedSource source, string destination, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        using var hasher = source.Hash is { } expected ? IncrementalHash.CreateHash(expected.Algorithm) : null;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0, reported = 0;
        progress?.Report(new DownloadProgress(source.FileName, 0, total));
        try
        {
            while (true)
            {
                stall.CancelAfter(Timeout);
                int count;
                try
                {
                    count = await body.ReadAsync(buffer.AsMemory(0, BufferSize), stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw CutOff(source, destination, received, total, $"no data came for {Timeout.TotalSeconds:0.#} s", e);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw CutOff(source, destination, received, total, e.Message, e);
                }
                if (count == 0)
                    break;
                hasher?.AppendData(buffer, 0, count);
                await file.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                received += count;
                if (progress is not null && received - reported >= ProgressStep)
                {
                    progress.Report(new DownloadProgress(source.FileName, received, total));
                    reported = received;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (total is { } announced && received != announced)
            throw CutOff(source, destination, received, total, "the connection closed early", null);
        if (progress is not null && received != reported)
            progress.Report(new DownloadProgress(source.FileName, received, total));
        if (hasher is not null && source.Hash is { } hash)
        {
            var actual = Convert.ToHexString(hasher.GetHashAndReset()).ToLowerInvariant();
            if (!hash.Matches(actual))
                throw Failure(DownloadFailure.HashMismatch, source, destination,
                    $"The file downloaded from {source.Url} has {hash.AlgorithmName} {actual}, but the published {source.FileName} has {hash.Describe()}; "
                    + "it was not saved. The server may be serving another version of the file.");
        }
    }

    private static WeightsDownloadException CutOff(
        PretrainedSource source, string destination, long received, long? total, string reason, Exception? inner) =>
        Failure(DownloadFailure.CutOff, source, destination,
            $"The download of {source.Url} was cut off after {received.ToString(CultureInfo.InvariantCulture)} of {(total is { } t ? t.ToString(CultureInfo.InvariantCulture) : "an unknown number of")} bytes ({reason}); "
            + "nothing was saved.", inner);

    private static WeightsDownloadException Failure(DownloadFailure failure, PretrainedSource source, string destination, string problem, Exception? inner = null) =>
        new(failure, source.Url, destination,
            $"{problem} Download {source.Url} and put it at {destination}, or set {WeightsCache.EnvironmentVariable} to a folder that holds it.",
            inner);

    // No overall time limit: a checkpoint takes minutes to arrive; stalls are caught by Timeout instead.
    private static HttpClient CreateClient() => new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };
}
