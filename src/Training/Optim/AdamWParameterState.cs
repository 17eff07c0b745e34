using static TorchSharp.torch;

namespace ModelGen.Training.Optim;

/// <summary>
/// The AdamW state of one parameter, as torch's <c>optimizer.state_dict()['state'][i]</c> holds it: the number of
/// updates and the two moments. The tensors are the optimizer's own, not copies.
/// </summary>
public sealed record AdamWParameterState(long Step, Tensor ExpAvg, Tensor ExpAvgSq);
