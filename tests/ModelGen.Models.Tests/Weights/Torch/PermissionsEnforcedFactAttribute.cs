namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>A fact that needs Unix file permissions to be enforced: skipped on Windows and as root, who reads files regardless.</summary>
internal sealed class PermissionsEnforcedFactAttribute : FactAttribute
{
    public PermissionsEnforcedFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "Unix file permissions are not available on Windows";
        else if (Environment.IsPrivilegedProcess)
            Skip = "running as root, which bypasses file permissions";
    }
}
