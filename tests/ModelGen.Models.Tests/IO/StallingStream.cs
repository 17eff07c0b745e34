namespace ModelGen.Models.Tests.IO;

/// <summary>
/// A write-only stream that passes the first bytes through to <c>inner</c> and then stops mid-write:
/// it flushes what it passed, calls <c>stalled</c> and blocks until <see cref="Release"/>, after which
/// the write fails. It freezes a writer where a crash would stop it.
/// </summary>
internal sealed class StallingStream(Stream inner, long passBytes, Action stalled) : Stream
{
    private readonly ManualResetEventSlim _released = new();
    private long _passed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Release() => _released.Set();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var pass = (int)Math.Min(buffer.Length, passBytes - _passed);
        inner.Write(buffer[..pass]);
        _passed += pass;
        if (pass == buffer.Length)
            return;
        inner.Flush();
        stalled();
        _released.Wait();
        throw new IOException("The write was stopped part way on purpose.");
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _released.Dispose();
        base.Dispose(disposing);
    }
}
