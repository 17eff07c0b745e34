using ModelGen.Training.Optim;
using ModelGen.Training.Schedules;
using static TorchSharp.torch;

namespace ModelGen.Training.Distillation;

/// <summary>
/// The training iteration of mmengine's runner for a <see cref="BackboneDistillation"/>: forward and loss,
/// backward, gradient clipping, the AdamW step, zeroing the gradients, then every scheduler's step.
/// </summary>
public sealed class DistillationTrainer
{
    private double? _pendingLoss;

    /// <param name="model">The composition to train.</param>
    /// <param name="optimizer">AdamW over the model's parameter groups (<see cref="ParameterGroups"/>).</param>
    /// <param name="schedule">The learning-rate schedule over the optimizer's <see cref="AdamWOptimizer.LearningRates"/>.</param>
    /// <param name="maxGradNorm">OptimWrapper's <c>clip_grad.max_norm</c>; null for no clipping.</param>
    public DistillationTrainer(BackboneDistillation model, AdamWOptimizer optimizer, LrSchedule schedule, double? maxGradNorm)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        if (maxGradNorm is <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "The maximum gradient norm must be positive.");
        Model = model;
        Optimizer = optimizer;
        Schedule = schedule;
        MaxGradNorm = maxGradNorm;
    }

    public BackboneDistillation Model { get; }

    public AdamWOptimizer Optimizer { get; }

    public LrSchedule Schedule { get; }

    public double? MaxGradNorm { get; }

    /// <summary>The iterations completed so far.</summary>
    public int Iteration => Schedule.Iteration;

    /// <summary>The epoch in progress, from 0; -1 before the first <see cref="BeginEpoch"/>.</summary>
    public int Epoch { get; private set; } = -1;

    /// <summary>The batches of the current epoch trained on so far: the position in the epoch's data order.</summary>
    public int BatchInEpoch { get; private set; }

    /// <summary>Whether <see cref="ComputeGradients"/> has run without its <see cref="ApplyGradients"/>.</summary>
    public bool HasPendingGradients => _pendingLoss is not null;

    /// <summary>
    /// mmengine's epoch start: the next epoch begins at its first batch, with <c>model.train()</c>. Fixed backbones and
    /// necks keep themselves in eval mode, as upstream's <c>fix=True</c> modules do.
    /// </summary>
    public void BeginEpoch()
    {
        Epoch++;
        BatchInEpoch = 0;
        Model.train();
    }

    /// <summary>One iteration: <see cref="ComputeGradients"/> then <see cref="ApplyGradients"/>.</summary>
    /// <param name="images">The preprocessed NCHW batch, in the model's dtype.</param>
    /// <param name="teacherFeatures">The teacher's cached features for the batch, or null to run the teacher.</param>
    public TrainingStep Step(Tensor images, Tensor? teacherFeatures = null)
    {
        ComputeGradients(images, teacherFeatures);
        return ApplyGradients();
    }

    /// <summary>The first half of an iteration: the loss of the batch and its gradients (accumulated into the zeroed ones).</summary>
    /// <returns>The loss.</returns>
    public double ComputeGradients(Tensor images, Tensor? teacherFeatures = null)
    {
        if (_pendingLoss is not null)
            throw new InvalidOperationException("The gradients of the previous batch have not been applied.");
        using var scope = NewDisposeScope();
        var loss = Model.Loss(images, teacherFeatures);
        loss.backward();
        _pendingLoss = loss.to(ScalarType.Float64).item<double>();
        return _pendingLoss.Value;
    }

    /// <summary>The second half of an iteration: clipping, the optimizer step, zeroing the gradients and the schedule's step.</summary>
    public TrainingStep ApplyGradients()
    {
        var loss = _pendingLoss ?? throw new InvalidOperationException("No gradients to apply: call ComputeGradients first.");
        var iteration = Iteration;
        var learningRate = Optimizer.LearningRates[0].LearningRate;
        var gradNorm = MaxGradNorm is { } maxNorm
            ? GradientClipping.ClipGradNorm(Optimizer.TrainableGroups.Select(g => g.Parameter), maxNorm)
            : null;
        Optimizer.Step();
        Optimizer.ZeroGrad();
        Schedule.Step();
        BatchInEpoch++;
        _pendingLoss = null;
        return new TrainingStep(iteration, learningRate, loss, gradNorm);
    }

    /// <summary>Continues at a checkpoint's data position; inside an epoch the model is put in training mode, as <see cref="BeginEpoch"/> left it.</summary>
    internal void RestorePosition(int epoch, int batchInEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, -1);
        ArgumentOutOfRangeException.ThrowIfNegative(batchInEpoch);
        Epoch = epoch;
        BatchInEpoch = batchInEpoch;
        if (epoch >= 0)
            Model.train();
    }
}
