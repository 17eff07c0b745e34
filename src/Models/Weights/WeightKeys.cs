namespace ModelGen.Models.Weights;

/// <summary>Conventions of state-dict key prefixes shared by loading and saving.</summary>
public static class WeightKeys
{
    /// <summary>The prefix DistributedDataParallel puts in front of every key of the model it wraps.</summary>
    public const string DataParallelPrefix = "module.";

    /// <summary>A prefix as checkpoints use it: <c>backbone_student</c> and <c>backbone_student.</c> both mean <c>backbone_student.</c>; empty stays empty.</summary>
    public static string NormalizePrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix) ? "" : prefix.EndsWith('.') ? prefix : prefix + ".";
}
