using ModelGen.Models.Pretrained;

namespace ModelGen.Models.Tests.Pretrained;

/// <summary>Keeps every report, synchronously (unlike <see cref="Progress{T}"/>, which posts them to a context).</summary>
internal sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly List<DownloadProgress> _reports = [];

    public IReadOnlyList<DownloadProgress> Reports
    {
        get
        {
            lock (_reports)
                return _reports.ToArray();
        }
    }

    public void Report(DownloadProgress value)
    {
        lock (_reports)
            _reports.Add(value);
    }
}
