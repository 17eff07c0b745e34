using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelGen.Models.Tests.Pretrained;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 and a free port, raw enough to misbehave on purpose
/// (announce a length and stop short, stall). Each connection serves one request, then closes.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, Stream, CancellationToken, Task> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;
    private int _requests;

    /// <param name="respond">Writes the whole response for a request path (e.g. <c>/file.bin</c>) to the connection.</param>
    public LoopbackHttpServer(Func<string, Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        // On the thread pool, not on the test's synchronisation context: xunit gives that context as many threads as
        // cores, other tests' synchronous work can hold them for seconds, and a response waiting for one would
        // stall past the downloader's timeout (the likely cause of the one failure of
        // A_slow_but_steady_transfer_outlasting_the_timeout_completes seen in a full run).
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref _requests);

    public string UrlOf(string fileName) => $"http://127.0.0.1:{Port}/{fileName}";

    /// <summary>A URL on a loopback port nothing listens on.</summary>
    public static string UnreachableUrlOf(string fileName)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}/{fileName}";
    }

    public static async Task WriteOkAsync(Stream connection, byte[] body, CancellationToken token)
    {
        await WriteHeadAsync(connection, "200 OK", body.Length, token);
        await connection.WriteAsync(body, token);
    }

    public static Task WriteStatusAsync(Stream connection, string status, CancellationToken token) =>
        WriteHeadAsync(connection, status, 0, token);

    /// <summary>Announces the whole body but sends only its first <paramref name="sent"/> bytes; the connection then closes.</summary>
    public static async Task WriteCutOffAsync(Stream connection, byte[] body, int sent, CancellationToken token)
    {
        await WriteHeadAsync(connection, "200 OK", body.Length, token);
        await connection.WriteAsync(body.AsMemory(0, sent), token);
        await connection.FlushAsync(token);
    }

    /// <summary>Sends the first <paramref name="sent"/> bytes of the body, then nothing more until the server stops.</summary>
    public static async Task WriteStalledAsync(Stream connection, byte[] body, int sent, CancellationToken token)
    {
        await WriteCutOffAsync(connection, body, sent, token);
        await Task.Delay(System.Threading.Timeout.Infinite, token);
    }

    /// <summary>Sends the whole body in <paramref name="chunks"/> pieces, pausing <paramref name="pause"/> before each.</summary>
    public static async Task WriteSlowlyAsync(Stream connection, byte[] body, int chunks, TimeSpan pause, CancellationToken token)
    {
        await WriteHeadAsync(connection, "200 OK", body.Length, token);
        var size = (body.Length + chunks - 1) / chunks;
        for (var offset = 0; offset < body.Length; offset += size)
        {
            await Task.Delay(pause, token);
            await connection.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)), token);
            await connection.FlushAsync(token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private static async Task WriteHeadAsync(Stream connection, string status, long length, CancellationToken token)
    {
        var head = $"HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n";
        await connection.WriteAsync(Encoding.ASCII.GetBytes(head), token);
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var connection = client.GetStream();
                var path = await ReadRequestPathAsync(connection, _stop.Token);
                Interlocked.Increment(ref _requests);
                await _respond(path, connection, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The client gave up or the server is stopping: nothing to answer.
            }
        }
    }

    /// <summary>Reads the request head and returns the path of its request line ("GET /path HTTP/1.1").</summary>
    private static async Task<string> ReadRequestPathAsync(Stream connection, CancellationToken token)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var count = await connection.ReadAsync(buffer, token);
            if (count == 0)
                throw new IOException("The client closed the connection before finishing its request.");
            head.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }
        return head.ToString().Split(' ', 3)[1];
    }
}
