using static TorchSharp.torch;

namespace ModelGen.Models.Backbones;

/// <summary>
/// The parts of a forward's entrance check that compare the batch with the module or read its values,
/// so that a wrong batch fails with a .NET exception naming the backbone rather than deep in LibTorch.
/// </summary>
internal static class ImageBatchChecks
{
    /// <summary>
    /// The batch must have the dtype and device of <paramref name="reference"/>, the module's first parameter
    /// (the module may have been moved with <c>to(...)</c>); nothing is cast silently.
    /// </summary>
    public static void RequireModuleDtypeAndDevice(string backbone, Tensor images, Tensor? reference)
    {
        if (reference is null)
            return;
        var expected = reference.dtype;
        if (!images.is_floating_point())
            throw new ArgumentException(
                $"{backbone} takes floating-point images of its parameters' dtype {expected}, got {images.dtype}. " +
                $"Convert the batch with images.to(ScalarType.{expected}) and normalise it as the weights expect (PretrainedSource.Preprocessing gives the mean and std).", nameof(images));
        if (images.dtype != expected)
            throw new ArgumentException(
                $"{backbone} has {expected} parameters but got a {images.dtype} image batch. " +
                $"Convert the batch with images.to(ScalarType.{expected}), or the module with to(ScalarType.{images.dtype}).", nameof(images));
        if (images.device_type != reference.device_type || images.device_index != reference.device_index)
            throw new ArgumentException(
                $"{backbone} is on {reference.device} but got an image batch on {images.device}. " +
                $"Move the batch with images.to(\"{reference.device}\"), or the module with to(\"{images.device}\").", nameof(images));
    }

    /// <summary>Rejects a batch holding NaN or infinite values, with their counts.</summary>
    public static void RequireFinite(string backbone, Tensor images)
    {
        using var scope = NewDisposeScope();
        if (isfinite(images).all().item<bool>())
            return;
        var nan = isnan(images).sum().item<long>();
        var infinite = isinf(images).sum().item<long>();
        throw new ArgumentException(
            $"{backbone} got an image batch with {nan} NaN and {infinite} infinite values (RejectNonFiniteInputs is on).", nameof(images));
    }
}
