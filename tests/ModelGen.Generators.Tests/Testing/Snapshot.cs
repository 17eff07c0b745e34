using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace ModelGen.Generators.Tests.Testing;

/// <summary>
/// Snapshot assertions with Verify's conventions: the expected text is the committed
/// <c>&lt;name&gt;.verified.&lt;ext&gt;</c> next to the test; a mismatch writes
/// <c>&lt;name&gt;.received.&lt;ext&gt;</c> beside it and fails. Review the diff, then rename received to
/// verified to accept (or run the tests with MODELGEN_ACCEPT_SNAPSHOTS=1).
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, string extension, [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var verified = Path.Combine(directory, $"{name}.verified.{extension}");
        var received = Path.Combine(directory, $"{name}.received.{extension}");
        var normalized = actual.Replace("\r\n", "\n").TrimEnd('\n') + "\n";

        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == normalized)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable("MODELGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, normalized);
        throw new XunitException(File.Exists(verified)
            ? $"Snapshot {name} changed: compare {received} with {verified}; rename it to accept."
            : $"Snapshot {name} has no verified file yet: review {received} and rename it to {Path.GetFileName(verified)}.");
    }
}
