namespace ModelGen.Models.Pretrained;

/// <summary>A checkpoint could not be downloaded; nothing was saved.</summary>
public sealed class WeightsDownloadException : IOException
{
    public WeightsDownloadException(DownloadFailure failure, string url, string destination, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Url = url;
        Destination = destination;
    }

    public DownloadFailure Failure { get; }

    /// <summary>What was being downloaded.</summary>
    public string Url { get; }

    /// <summary>Where the file would have been saved, and where a copy fetched by hand can be put.</summary>
    public string Destination { get; }
}
