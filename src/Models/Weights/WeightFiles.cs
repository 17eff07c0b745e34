namespace ModelGen.Models.Weights;

/// <summary>Opens a weight file of any supported format, chosen by its content rather than its name.</summary>
public static class WeightFiles
{
    private static ReadOnlySpan<byte> ZipMagic => "PK\u0003\u0004"u8;

    /// <summary>Opens <paramref name="path"/>: a safetensors file, or a PyTorch <c>torch.save</c> zip (.pth, .bin, .pt).</summary>
    public static ITensorSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Span<byte> start = stackalloc byte[9];
        var read = ReadStart(path, start);
        if (read >= 4 && start[..4].SequenceEqual(ZipMagic))
            throw new WeightFileException(path, "PENDING-TORCH-READER");
        if (read >= 2 && start[0] == 0x80 && start[1] <= 5)
            throw new WeightFileException(path, "is a legacy (pre-1.6, not zip) torch.save file, which this loader does not read; re-save it with a current PyTorch (torch.save(torch.load(f), f)) or convert it to safetensors.");
        if (read == 9 && start[8] == (byte)'{')
            return SafetensorsFile.Open(path);
        throw new WeightFileException(path, read == 0
            ? "is empty."
            : "is not a weights file this loader reads: it is neither safetensors (an 8-byte header length, then a JSON header) nor a torch.save zip (.pth / .bin).");
    }

    private static int ReadStart(string path, Span<byte> start)
    {
        if (Directory.Exists(path))
            throw new WeightFileException(path, "is a directory, not a weights file.");
        if (!File.Exists(path))
            throw new WeightFileException(path, "does not exist.");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new WeightFileException(path, "cannot be read: permission denied.", e);
        }
        catch (IOException e)
        {
            throw new WeightFileException(path, $"cannot be read: {e.Message}", e);
        }
    }
}
