using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>Writes a module's state dict as safetensors under upstream names, or under an alias scheme's names, with an optional prefix.</summary>
public static class WeightSaver
{
    public static void Save(nn.Module module, string path, CheckpointLayout? layout = null, string? prefix = null, string? aliasScheme = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var scheme = aliasScheme is null ? null : (layout ?? CheckpointLayout.None).Scheme(aliasScheme);
        var normalized = WeightKeys.NormalizePrefix(prefix);
        var named = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in module.state_dict())
        {
            var name = scheme is null ? key : scheme.ToAlias(key);
            if (name is not null)
                named[normalized + name] = tensor;
        }
        SafetensorsWriter.Write(path, named);
    }
}
