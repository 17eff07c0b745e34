using static TorchSharp.torch;

namespace ModelGen.Models.Weights;

/// <summary>
/// A weight file opened for reading: the names, dtypes and shapes of its tensors are known (and checked
/// against the file) before any tensor is read, so a loader can validate everything first.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>The file, as given.</summary>
    string Path { get; }

    /// <summary>A short description of the layout, e.g. <c>safetensors</c> or <c>torch zip (pickle protocol 2)</c>.</summary>
    string Format { get; }

    /// <summary>Every tensor by its flat state-dict name, in file order.</summary>
    IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>Reads one tensor into a new contiguous CPU tensor of its stored dtype and shape.</summary>
    Tensor Read(string name);
}
