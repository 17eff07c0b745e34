using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// Reads the safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian row-major data.
/// <see cref="Open"/> checks the whole header against the format before anything is read; tensors are
/// then read on demand straight into TorchSharp's memory. Every problem with the file is a
/// <see cref="WeightFileException"/>.
/// </summary>
public sealed class SafetensorsFile : ITensorSource
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Entries = header.Entries;
        Metadata = header.Metadata;
        Tensors = header.Entries.Values.ToDictionary(e => e.Name, e => new TensorInfo(e.Name, e.DType, e.Shape), StringComparer.Ordinal);
    }

    public string Path { get; }

    public string Format => "safetensors";

    /// <summary>The tensors by name (the format gives header order no meaning), with their byte ranges in the data section.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings of the header (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <exception cref="WeightFileException">The file is missing, unreadable or not valid safetensors.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var handle = OpenForReading(path);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < SafetensorsFormat.LengthPrefixBytes)
                throw new WeightFileException(path, $"is {length} bytes long, too short for the 8-byte header length that starts a safetensors file");

            Span<byte> prefix = stackalloc byte[SafetensorsFormat.LengthPrefixBytes];
            ReadHeaderBytes(path, handle, prefix, 0);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            var available = length - SafetensorsFormat.LengthPrefixBytes;
            if (headerLength > SafetensorsFormat.MaxHeaderBytes)
                throw new WeightFileException(path, $"declares a header of {headerLength} bytes, above the format's limit of {SafetensorsFormat.MaxHeaderBytes}; it is probably not a safetensors file");
            if ((long)headerLength > available)
                throw new WeightFileException(path, $"declares a header of {headerLength} bytes, but only {available} bytes follow the header length");

            var header = new byte[headerLength];
            ReadHeaderBytes(path, handle, header, SafetensorsFormat.LengthPrefixBytes);
            var dataStart = SafetensorsFormat.LengthPrefixBytes + (long)headerLength;
            return new SafetensorsFile(path, handle, dataStart, SafetensorsHeader.Parse(path, header, length - dataStart));
        }
        catch (IOException e) when (e is not WeightFileException)
        {
            handle.Dispose();
            throw new WeightFileException(path, $"could not be read: {e.Message}", e);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor into a new contiguous CPU tensor of its stored dtype and shape.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    /// <exception cref="WeightFileException">The file changed since it was opened (e.g. it was truncated) or cannot be read.</exception>
    public Tensor Read(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Entries.TryGetValue(name, out var entry))
            throw new KeyNotFoundException($"{Path} has no tensor named '{name}'.");
        var tensor = empty(entry.Shape, entry.DType);
        try
        {
            TensorBytes.ForEachPiece(tensor, (piece, offset) => ReadPiece(entry, piece, offset));
            return tensor;
        }
        catch (IOException e) when (e is not WeightFileException)
        {
            tensor.Dispose();
            throw new WeightFileException(Path, $"tensor '{name}' could not be read: {e.Message}", e);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    public void Dispose() => _handle.Dispose();

    private static SafeFileHandle OpenForReading(string path)
    {
        // Checked first: on Unix, opening a directory fails as "access denied", which would mislead.
        if (Directory.Exists(path))
            throw new WeightFileException(path, "is a directory, not a weights file");
        try
        {
            // FileShare.Delete lets AtomicFile replace the file while it is open for reading, on Windows too.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new WeightFileException(path, "does not exist", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new WeightFileException(path, Directory.Exists(path) ? "is a directory, not a weights file" : "cannot be opened: permission to read it is denied", e);
        }
        catch (IOException e)
        {
            throw new WeightFileException(path, $"cannot be opened: {e.Message}", e);
        }
    }

    private static void ReadHeaderBytes(string path, SafeFileHandle handle, Span<byte> buffer, long position)
    {
        for (var done = 0; done < buffer.Length;)
        {
            var read = RandomAccess.Read(handle, buffer[done..], position + done);
            if (read == 0)
                throw new WeightFileException(path, "ends inside its header; it was truncated while being opened");
            done += read;
        }
    }

    private void ReadPiece(SafetensorsEntry entry, Span<byte> piece, long offset)
    {
        var position = _dataStart + entry.Begin + offset;
        for (var done = 0; done < piece.Length;)
        {
            var read = RandomAccess.Read(_handle, piece[done..], position + done);
            if (read == 0)
                throw new WeightFileException(Path, $"tensor '{entry.Name}' is cut short: the file ends {offset + done} bytes into its {entry.End - entry.Begin} bytes of data; the file changed after it was opened");
            done += read;
        }
    }
}
