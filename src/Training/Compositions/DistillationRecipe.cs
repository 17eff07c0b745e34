namespace ModelGen.Training.Compositions;

/// <summary>
/// The training recipe of a composition, upstream's schedule files (<c>schedule_24e_distillation.py</c>,
/// <c>schedule_distillation.py</c>) by default: AdamW with no weight decay on normalisation layers, clipping,
/// <c>LinearLR</c> warm-up then a per-iteration cosine over the epochs, and the learning rate scaled linearly
/// against a base batch size (<c>auto_scale_lr</c>).
/// </summary>
/// <param name="LearningRate">The base learning rate, before scaling to the batch size.</param>
/// <param name="NormDecayMult"><c>paramwise_cfg.norm_decay_mult</c>: the factor on the weight decay of normalisation layers.</param>
/// <param name="MaxGradNorm"><c>clip_grad.max_norm</c> (L2); null for no clipping.</param>
/// <param name="WarmupIterations">The <c>end</c> of <c>LinearLR</c>: the warm-up length in iterations.</param>
/// <param name="WarmupStartFactor"><c>LinearLR.start_factor</c>.</param>
/// <param name="EtaMinRatio"><c>CosineAnnealingLR.eta_min_ratio</c>: the final rate over the base rate.</param>
/// <param name="BatchSize">Images per batch (per device upstream).</param>
/// <param name="BaseBatchSize"><c>auto_scale_lr.base_batch_size</c>; null for no scaling.</param>
public sealed record DistillationRecipe(
    double LearningRate = 1e-4,
    double WeightDecay = 0.05,
    double NormDecayMult = 0.0,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Eps = 1e-8,
    double? MaxGradNorm = 5.0,
    int WarmupIterations = 500,
    double WarmupStartFactor = 0.001,
    int Epochs = 24,
    double EtaMinRatio = 0.01,
    int BatchSize = 2,
    int? BaseBatchSize = 16);
