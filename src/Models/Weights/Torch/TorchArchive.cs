using System.IO.Compression;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// The zip archive torch.save writes (PyTorch 1.6 and later): under one root folder of any name,
/// <c>data.pkl</c> (the pickled object), <c>data/&lt;key&gt;</c> (one record per storage, raw
/// little-endian elements), <c>version</c>, and in newer versions <c>byteorder</c>. Records are usually
/// stored uncompressed; deflated ones are read too. Storage records are read only when asked.
/// </summary>
internal sealed class TorchArchive : IDisposable
{
    private const long MaxPickleBytes = 256L << 20;
    // Deflate expands at most about 1032-fold, so a larger claimed size is a lie that must not size an allocation.
    private const long MaxDeflateRatio = 1032;
    private const int SkipBufferBytes = 1 << 16;

    private readonly FileStream _stream;
    private readonly ZipArchive _zip;
    private readonly string _root;
    private readonly object _readLock = new();

    private TorchArchive(string path, FileStream stream, ZipArchive zip, string root, byte[] pickle)
    {
        Path = path;
        _stream = stream;
        _zip = zip;
        _root = root;
        Pickle = pickle;
    }

    public string Path { get; }

    /// <summary>The bytes of <c>data.pkl</c>.</summary>
    public byte[] Pickle { get; }

    public static TorchArchive Open(string path)
    {
        var stream = OpenFile(path);
        ZipArchive? zip = null;
        try
        {
            CheckSignature(path, stream);
            zip = OpenZip(path, stream);
            var root = FindRoot(path, zip);
            CheckByteOrder(path, zip.GetEntry(root + "byteorder"));
            var pickleEntry = zip.GetEntry(root + "data.pkl")!;
            if (pickleEntry.Length > MaxPickleBytes)
                throw new WeightFileException(path, $"its data.pkl record claims {pickleEntry.Length} bytes, more than the {MaxPickleBytes} a checkpoint's pickle may have");
            CheckClaimedLength(path, pickleEntry, stream.Length);
            var pickle = new byte[pickleEntry.Length];
            ReadRecord(path, pickleEntry, 0, pickle);
            return new TorchArchive(path, stream, zip, root, pickle);
        }
        catch
        {
            zip?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Checks the tensor against its storage record before anything is allocated for it.</summary>
    /// <param name="what">The tensor, for messages: <c>tensor 'name'</c>.</param>
    public void Check(string what, TorchTensorReference tensor)
    {
        var record = RecordName(tensor.Storage.Key);
        var entry = _zip.GetEntry(record)
            ?? throw new WeightFileException(Path, $"{what} refers to the storage record '{record}', which is not in the archive");
        CheckClaimedLength(Path, entry, _stream.Length);
        var elementSize = tensor.Storage.ElementSize;
        if (entry.Length % elementSize != 0)
            throw new WeightFileException(Path, $"{what} is stored as {tensor.Storage.DType} in '{record}', whose {entry.Length} bytes are not a whole number of {elementSize}-byte elements");
        var elements = entry.Length / elementSize;
        if (elements != tensor.Storage.DeclaredElements)
            throw new WeightFileException(Path, $"the pickle says the storage of {what} has {tensor.Storage.DeclaredElements} elements, but its record '{record}' holds {elements}");
        if (tensor.End > elements)
            throw new WeightFileException(Path, $"{what} of shape {tensor.ShapeText}, stride {tensor.StrideText} and offset {tensor.Offset} reaches element {tensor.End - 1} of its storage record '{record}', which has {elements}");
    }

    /// <summary>Reads a tensor that <see cref="Check"/> accepted into a new contiguous CPU tensor.</summary>
    public Tensor Read(TorchTensorReference tensor)
    {
        var dtype = tensor.Storage.DType;
        if (tensor.ElementCount == 0)
            return empty(tensor.Shape, dtype);

        using var scope = NewDisposeScope();
        var elementSize = tensor.Storage.ElementSize;
        var viewed = empty([tensor.End - tensor.Offset], dtype);
        var entry = _zip.GetEntry(RecordName(tensor.Storage.Key))!;
        lock (_readLock)
            ReadRecord(Path, entry, tensor.Offset * elementSize, viewed.bytes);
        var result = tensor.IsRowMajor ? viewed.reshape(tensor.Shape) : viewed.as_strided(tensor.Shape, tensor.Stride).contiguous();
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _zip.Dispose();
        _stream.Dispose();
    }

    private string RecordName(string storageKey) => $"{_root}data/{storageKey}";

    private static FileStream OpenFile(string path)
    {
        if (Directory.Exists(path))
            throw new WeightFileException(path, "this is a directory, not a checkpoint file");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new WeightFileException(path, "the file does not exist", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new WeightFileException(path, "the file cannot be read: permission denied", e);
        }
        catch (IOException e)
        {
            throw new WeightFileException(path, $"the file cannot be opened ({e.Message})", e);
        }
    }

    private static void CheckSignature(string path, FileStream stream)
    {
        Span<byte> head = stackalloc byte[262];
        var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..length];
        stream.Position = 0;
        if (length == 0)
            throw new WeightFileException(path, "the file is empty");
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
            return;
        // The legacy format is a bare stream of pickles (PROTO first); the oldest one is a tar archive.
        var barePickle = length >= 2 && head[0] == (byte)PickleOpcode.Proto && head[1] is >= 2 and <= 5;
        if (barePickle || (length >= 262 && head[257..262].SequenceEqual("ustar"u8)))
            throw new WeightFileException(path, "it is in the legacy torch.save format (before PyTorch 1.6) or a plain pickle, which is not supported; re-save it with a modern torch: torch.save(torch.load(old_path), new_path)");
        throw new WeightFileException(path, "it is not a torch.save checkpoint: those are zip archives, and this file does not start with a zip signature");
    }

    private static ZipArchive OpenZip(string path, FileStream stream)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new WeightFileException(path, $"the zip archive is truncated or corrupt ({e.Message})", e);
        }
    }

    /// <summary>The <c>&lt;root&gt;/</c> prefix of every record: the folder holding data.pkl.</summary>
    private static string FindRoot(string path, ZipArchive zip)
    {
        var roots = zip.Entries
            .Select(e => e.FullName)
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .Select(n => n[..^"data.pkl".Length])
            .ToList();
        if (roots.Count == 1 && zip.GetEntry(roots[0] + "constants.pkl") is not null)
            throw new WeightFileException(path, "it is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the model's state_dict() with torch.save instead");
        return roots.Count switch
        {
            1 => roots[0],
            0 => throw new WeightFileException(path, "the zip archive has no <root>/data.pkl record, so it is not a torch.save checkpoint"),
            _ => throw new WeightFileException(path, $"the zip archive has {roots.Count} data.pkl records ({string.Join(", ", roots.Select(r => r + "data.pkl"))}); a torch.save checkpoint has one"),
        };
    }

    private static void CheckByteOrder(string path, ZipArchiveEntry? entry)
    {
        if (entry is null)
            return;
        var text = new byte[Math.Min(entry.Length, 16)];
        ReadRecord(path, entry, 0, text);
        var order = Encoding.ASCII.GetString(text).Trim();
        if (order != "little")
            throw new WeightFileException(path, $"its tensors are stored in '{order}' byte order; only little-endian checkpoints are supported");
    }

    private static void CheckClaimedLength(string path, ZipArchiveEntry entry, long fileLength)
    {
        if (entry.CompressedLength > fileLength || entry.Length > entry.CompressedLength * MaxDeflateRatio)
            throw new WeightFileException(path, $"the zip record '{entry.FullName}' claims {entry.Length} bytes from {entry.CompressedLength} compressed bytes in a file of {fileLength}; the archive is corrupt");
    }

    /// <summary>Fills <paramref name="destination"/> from the record's bytes starting at <paramref name="start"/>.</summary>
    private static void ReadRecord(string path, ZipArchiveEntry entry, long start, Span<byte> destination)
    {
        try
        {
            using var data = entry.Open();
            Skip(data, start);
            data.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new WeightFileException(path, $"the zip record '{entry.FullName}' is shorter than the {entry.Length} bytes its header claims (the file is truncated or corrupt)", e);
        }
        catch (InvalidDataException e)
        {
            throw new WeightFileException(path, $"the zip record '{entry.FullName}' is corrupt ({e.Message})", e);
        }
    }

    private static void Skip(Stream data, long count)
    {
        if (count == 0)
            return;
        if (data.CanSeek)
        {
            data.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[(int)Math.Min(count, SkipBufferBytes)];
        while (count > 0)
        {
            var read = data.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (read == 0)
                throw new EndOfStreamException();
            count -= read;
        }
    }
}
