namespace ModelGen.Training.Optim;

/// <summary>The parts of mmengine's <c>paramwise_cfg</c> that OVSAM's and RWKV-SAM's configs use.</summary>
/// <param name="NormDecayMult">Multiplies the weight decay of the parameters of normalisation layers (<see cref="NormLayers"/>); none leaves it alone.</param>
public sealed record ParamwiseOptions(double? NormDecayMult = null);
