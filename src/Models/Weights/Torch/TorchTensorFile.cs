using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// A single tensor written by <c>torch.save(tensor)</c>, such as a feature-cache file, read with the
/// same safety as <see cref="TorchCheckpointFile"/>.
/// </summary>
public static class TorchTensorFile
{
    /// <summary>Reads the file's tensor into a new contiguous CPU tensor of its stored dtype and shape.</summary>
    public static Tensor ReadTensor(string path)
    {
        using var archive = TorchArchive.Open(path);
        var (value, _) = RestrictedUnpickler.Load(path, archive.Pickle);
        if (value is not TorchTensorReference tensor)
            throw new WeightFileException(path, $"the file holds {RestrictedUnpickler.Describe(value)}, not a bare tensor");
        archive.Check("the tensor", tensor);
        return archive.Read(tensor);
    }
}
