namespace ModelGen.Training.Distillation;

/// <summary>What one optimizer step did, as mmengine logs it.</summary>
/// <param name="Iteration">The iteration index, from 0.</param>
/// <param name="LearningRate">The rate of the first parameter group during the step.</param>
/// <param name="Loss">The loss the gradients came from.</param>
/// <param name="GradNorm">The total gradient norm before clipping (mmengine's <c>grad_norm</c>); null without clipping.</param>
public sealed record TrainingStep(int Iteration, double LearningRate, double Loss, double? GradNorm);
