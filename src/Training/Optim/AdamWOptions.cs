namespace ModelGen.Training.Optim;

/// <summary>torch's <c>AdamW</c> hyper-parameters (amsgrad and maximize off, as in OVSAM's configs).</summary>
/// <param name="LearningRate">The base rate, already scaled (<see cref="Schedules.AutoScaleLr"/>); schedulers change it per group.</param>
/// <param name="WeightDecay">The base decoupled weight decay; <see cref="ParameterGroups"/> derives each group's from it.</param>
public sealed record AdamWOptions(double LearningRate, double WeightDecay, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8);
