using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// Loads named tensors into a module's state dict. Every key and shape is checked before any value
/// is copied, and the tensors are read in full before the first copy, so a failure leaves the
/// module as it was.
/// </summary>
public static class WeightLoader
{
    /// <summary>Loads a safetensors file. With <paramref name="strict"/>, keys missing from the file or unknown to the module are errors; a wrong shape always is.</summary>
    public static void Load(nn.Module module, string path, bool strict = true)
    {
        using var file = SafetensorsFile.Open(path);
        Load(module, file.Entries.Values.ToDictionary(e => e.Name, e => e.Shape), file.Read, path, strict);
    }

    /// <summary>Loads from any source of named tensors, given their shapes up front.</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, long[]> shapes, Func<string, Tensor> read, string source, bool strict = true)
    {
        var targets = module.state_dict();
        var missing = targets.Keys.Where(k => !shapes.ContainsKey(k)).ToList();
        var unexpected = shapes.Keys.Where(k => !targets.ContainsKey(k)).ToList();
        var mismatched = targets
            .Where(t => shapes.TryGetValue(t.Key, out var shape) && !shape.SequenceEqual(t.Value.shape))
            .Select(t => $"{t.Key} (module [{string.Join(", ", t.Value.shape)}], file [{string.Join(", ", shapes[t.Key])}])")
            .ToList();
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new WeightLoadException(source, missing, strict ? unexpected : [], mismatched);

        using var scope = NewDisposeScope();
        var loaded = targets.Keys.Where(shapes.ContainsKey).Select(k => (Target: targets[k], Value: read(k))).ToList();
        using (no_grad())
        {
            foreach (var (target, value) in loaded)
                target.copy_(value);
        }
    }
}
