using System.Collections;
using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The ordered outputs of a backbone forward, each named after its <see cref="FeatureInfo"/>.
/// It owns its tensors: disposing it disposes them.
/// </summary>
public sealed class BackboneOutput : IReadOnlyList<Tensor>, IDisposable
{
    private readonly Tensor[] _tensors;

    public BackboneOutput(IReadOnlyList<FeatureInfo> features, IReadOnlyList<Tensor> tensors)
    {
        if (features.Count != tensors.Count)
            throw new ArgumentException($"{tensors.Count} tensors were given for {features.Count} features.", nameof(tensors));
        Features = features;
        _tensors = tensors.ToArray();
    }

    public IReadOnlyList<FeatureInfo> Features { get; }

    public int Count => _tensors.Length;

    public Tensor this[int index] => _tensors[index];

    public Tensor this[string name]
    {
        get
        {
            for (var i = 0; i < Features.Count; i++)
                if (Features[i].Name == name)
                    return _tensors[i];
            throw new KeyNotFoundException($"No output named '{name}'; the outputs are {string.Join(", ", Features.Select(f => f.Name))}.");
        }
    }

    public IEnumerator<Tensor> GetEnumerator() => ((IEnumerable<Tensor>)_tensors).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var tensor in _tensors)
            tensor.Dispose();
    }
}
