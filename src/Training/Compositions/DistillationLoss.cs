namespace ModelGen.Training.Compositions;

/// <summary>mmdet's <c>MSELoss</c> as the distillation configs declare it (<c>loss_distill</c>).</summary>
/// <param name="Reduction">How the squared errors are reduced: <c>mean</c> (upstream's configs) or <c>sum</c>.</param>
/// <param name="Weight">The loss weight (<c>loss_weight</c>).</param>
public sealed record DistillationLoss(string Reduction = "mean", double Weight = 1.0);
