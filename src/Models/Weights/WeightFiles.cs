namespace ModelGen.Models.Weights;

/// <summary>Opens a weight file of any supported format, chosen by its content rather than its name.</summary>
public static class WeightFiles
{
    private const byte PickleProto = 0x80;

    /// <summary>Opens <paramref name="path"/>: a safetensors file, or a PyTorch <c>torch.save</c> zip (.pth, .bin, .pt).</summary>
    public static ITensorSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Span<byte> start = stackalloc byte[9];
        var read = ReadStart(path, start);
        var zip = read >= 2 && start[0] == (byte)'P' && start[1] == (byte)'K';
        var legacyTorch = read >= 2 && start[0] == PickleProto;
        if (zip || legacyTorch)
            return Torch.TorchCheckpointFile.Open(path);
        if (read == 9 && start[8] == (byte)'{')
            return SafetensorsFile.Open(path);
        throw new WeightFileException(path, read == 0
            ? "the file is empty"
            : "it is not a weights file this loader reads: neither safetensors (an 8-byte header length, then a JSON header) nor a torch.save zip (.pth / .bin)");
    }

    private static int ReadStart(string path, Span<byte> start)
    {
        if (Directory.Exists(path))
            throw new WeightFileException(path, "this is a directory, not a weights file");
        if (!File.Exists(path))
            throw new WeightFileException(path, "the file does not exist");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new WeightFileException(path, "the file cannot be read: permission denied", e);
        }
        catch (IOException e)
        {
            throw new WeightFileException(path, $"the file cannot be read ({e.Message})", e);
        }
    }
}
