namespace ModelGen.Models.Pretrained;

/// <summary>Why a checkpoint could not be downloaded.</summary>
public enum DownloadFailure
{
    /// <summary>No connection could be made: no network, the host unknown or down, or no answer in time.</summary>
    Unreachable,

    /// <summary>The server answered with an error status, e.g. 404.</summary>
    HttpStatus,

    /// <summary>The transfer ended before the whole file arrived, or stalled.</summary>
    CutOff,

    /// <summary>The file arrived whole but its digest is not the published one.</summary>
    HashMismatch,
}
