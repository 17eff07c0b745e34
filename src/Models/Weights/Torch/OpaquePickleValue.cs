namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// An inert stand-in for whatever an opaque global (training metadata: mmengine, numpy) would have built.
/// Calling it, constructing from it or setting its state only yields another stand-in.
/// </summary>
/// <param name="Global">The opaque global it came from.</param>
internal sealed record OpaquePickleValue(string Global);
