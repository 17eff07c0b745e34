using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// A PyTorch checkpoint written by <c>torch.save</c> (.pth / .bin / .pt), read without Python and
/// without running its pickle: only tensors, containers and scalars are rebuilt, training metadata of
/// mmengine / numpy becomes inert placeholders, and any other global is refused. The entries are the
/// state dict as mmengine's <c>load_checkpoint_with_prefix</c> finds it: <c>checkpoint['state_dict']</c>
/// if present, else <c>checkpoint['model']</c>, else the top-level dict. Only its tensors are entries,
/// in file order. Opening parses the pickle and checks every tensor against its storage record; tensor
/// data is read by <see cref="Read"/>.
/// </summary>
public sealed class TorchCheckpointFile : ITensorSource
{
    private static readonly string[] WrapperKeys = ["state_dict", "model"];

    private readonly TorchArchive _archive;
    private readonly IReadOnlyDictionary<string, TorchTensorReference> _references;

    private TorchCheckpointFile(TorchArchive archive, string format, IReadOnlyList<string> topLevelKeys, string? unwrappedFrom, IReadOnlyDictionary<string, TorchTensorReference> references)
    {
        _archive = archive;
        Format = format;
        TopLevelKeys = topLevelKeys;
        UnwrappedFrom = unwrappedFrom;
        _references = references;
        Tensors = references.ToDictionary(r => r.Key, r => new TensorInfo(r.Key, r.Value.Storage.DType, r.Value.Shape), StringComparer.Ordinal);
    }

    public string Path => _archive.Path;

    /// <summary>e.g. <c>torch zip, pickle protocol 2</c>.</summary>
    public string Format { get; }

    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>The keys of the top-level dict, in file order (e.g. <c>meta, state_dict, message_hub, optimizer, ...</c>).</summary>
    public IReadOnlyList<string> TopLevelKeys { get; }

    /// <summary>The top-level key the state dict was taken from (<c>state_dict</c> or <c>model</c>), or null when it is the top-level dict itself.</summary>
    public string? UnwrappedFrom { get; }

    public static TorchCheckpointFile Open(string path)
    {
        var archive = TorchArchive.Open(path);
        try
        {
            var (value, protocol) = RestrictedUnpickler.Load(path, archive.Pickle);
            if (value is not PickleDict topLevel)
                throw new WeightFileException(path, $"the checkpoint holds {RestrictedUnpickler.Describe(value)}, not a state dict");

            var (stateDict, unwrappedFrom) = Unwrap(path, topLevel);
            var references = new Dictionary<string, TorchTensorReference>(StringComparer.Ordinal);
            foreach (var (key, entry) in stateDict.Items)
            {
                if (key is not string name || entry is not TorchTensorReference tensor)
                    continue;
                archive.Check($"tensor '{name}'", tensor);
                references[name] = tensor;
            }

            var topLevelKeys = topLevel.Items.Select(i => i.Key?.ToString() ?? "None").ToList();
            return new TorchCheckpointFile(archive, $"torch zip, pickle protocol {protocol?.ToString() ?? "0 or 1"}", topLevelKeys, unwrappedFrom, references);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    public Tensor Read(string name)
    {
        if (!_references.TryGetValue(name, out var tensor))
            throw new KeyNotFoundException($"{Path} has no tensor named '{name}'.");
        return _archive.Read(tensor);
    }

    public void Dispose() => _archive.Dispose();

    private static (PickleDict StateDict, string? UnwrappedFrom) Unwrap(string path, PickleDict topLevel)
    {
        foreach (var key in WrapperKeys)
        {
            if (!topLevel.TryGetValue(key, out var inner))
                continue;
            return inner is PickleDict stateDict
                ? (stateDict, key)
                : throw new WeightFileException(path, $"the checkpoint's '{key}' holds {RestrictedUnpickler.Describe(inner)}, not a state dict");
        }
        return (topLevel, null);
    }
}
