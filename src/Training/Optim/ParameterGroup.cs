using TorchSharp.Modules;

namespace ModelGen.Training.Optim;

/// <summary>One optimizer parameter group holding one parameter, as mmengine builds them with a <c>paramwise_cfg</c>.</summary>
/// <param name="Name">The parameter's state-dict name in the model the groups were built from.</param>
/// <param name="Parameter">The parameter itself.</param>
/// <param name="WeightDecay">The group's decoupled weight decay.</param>
public sealed record ParameterGroup(string Name, Parameter Parameter, double WeightDecay);
