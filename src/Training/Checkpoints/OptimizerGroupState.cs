namespace ModelGen.Training.Checkpoints;

/// <summary>The optimizer's scalars for one trainable parameter; its moments are tensors of the checkpoint.</summary>
/// <param name="Name">The parameter's name in the composition (<c>neck_student.…</c>).</param>
/// <param name="LearningRate">The group's current rate.</param>
/// <param name="InitialLearningRate">The group's <c>initial_lr</c>.</param>
/// <param name="Step">AdamW's update count.</param>
/// <param name="HasGradient">
/// Whether the parameter holds a (zeroed) gradient: torch's <c>zero_grad</c> keeps zeros rather than none, and a parameter
/// without a gradient is skipped by clipping and the optimizer, so the difference matters for an exact continuation.
/// </param>
internal sealed record OptimizerGroupState(string Name, double LearningRate, double InitialLearningRate, long Step, bool HasGradient);
