namespace ModelGen.Models.Pretrained;

/// <summary>How far a checkpoint download is: bytes received so far, of <see cref="TotalBytes"/> when the server announced it.</summary>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes)
{
    /// <summary>The fraction done, between 0 and 1, when the total is known.</summary>
    public double? Fraction => TotalBytes is > 0 and var total ? (double)BytesReceived / total : null;
}
