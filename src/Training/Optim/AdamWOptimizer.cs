using static TorchSharp.torch;
using static TorchSharp.torch.optim;
using TorchAdamW = TorchSharp.Modules.AdamW;

namespace ModelGen.Training.Optim;

/// <summary>
/// torch's AdamW over mmengine-style parameter groups (one per parameter). The update is TorchSharp's
/// <see cref="TorchSharp.Modules.AdamW"/>, a line-by-line port of torch's single-tensor AdamW: <c>p *= 1 - lr·wd</c>,
/// <c>m = β1 m + (1-β1) g</c>, <c>v = β2 v + (1-β2) g²</c>, <c>p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε)</c>, t from 1;
/// a parameter without a gradient is skipped.
/// </summary>
/// <remarks>
/// Frozen groups (requires_grad false when the optimizer is built) stay in <see cref="Groups"/>, the layout
/// mmengine checkpoints record, but are not handed to TorchSharp, which would allocate moments for them:
/// like upstream, they never move.
/// </remarks>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly TorchAdamW _adamW;
    private readonly ParameterGroup[] _groups;
    private readonly ParameterGroup[] _trainable;
    private readonly Dictionary<string, int> _trainableIndex;

    public AdamWOptimizer(IEnumerable<ParameterGroup> groups, AdamWOptions options)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(options);
        _groups = groups.ToArray();
        _trainable = _groups.Where(g => g.Parameter.requires_grad).ToArray();
        if (_trainable.Length == 0)
            throw new ArgumentException("No parameter group has a parameter that requires a gradient.", nameof(groups));
        _trainableIndex = new Dictionary<string, int>(_trainable.Length);
        for (var i = 0; i < _trainable.Length; i++)
            if (!_trainableIndex.TryAdd(_trainable[i].Name, i))
                throw new ArgumentException($"The parameter '{_trainable[i].Name}' is in more than one group.", nameof(groups));
        Options = options;
        _adamW = new TorchAdamW(
            _trainable.Select(g => new TorchAdamW.ParamGroup([g.Parameter], options.LearningRate, options.Beta1, options.Beta2, options.Eps, g.WeightDecay)),
            options.LearningRate, options.Beta1, options.Beta2, options.Eps, options.WeightDecay);
        LearningRates = _adamW.ParamGroups.ToArray();
    }

    public AdamWOptions Options { get; }

    /// <summary>Every group, frozen ones included, in model order.</summary>
    public IReadOnlyList<ParameterGroup> Groups => _groups;

    /// <summary>The groups the optimizer updates.</summary>
    public IReadOnlyList<ParameterGroup> TrainableGroups => _trainable;

    /// <summary>The learning rate of each trainable group, for the schedulers; same order as <see cref="TrainableGroups"/>.</summary>
    public IReadOnlyList<ILearningRateController> LearningRates { get; }

    /// <summary>One AdamW update of every trainable parameter that has a gradient, at each group's current rate.</summary>
    public void Step() => _adamW.step();

    /// <summary>Zeroes the gradients in place (torch 1.13's <c>zero_grad()</c> default; the next backward accumulates into zeros).</summary>
    public void ZeroGrad() => _adamW.zero_grad();

    /// <summary>The state of a trainable parameter, by its name in <see cref="Groups"/>.</summary>
    public AdamWParameterState GetState(string name)
    {
        var state = StateOf(name);
        return new AdamWParameterState(state.step, state.exp_avg, state.exp_avg_sq);
    }

    /// <summary>Restores the state of a trainable parameter (e.g. from a checkpoint); the moments are copied in.</summary>
    public void SetState(string name, long step, Tensor expAvg, Tensor expAvgSq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var state = StateOf(name);
        using var _ = no_grad();
        state.exp_avg.copy_(expAvg);
        state.exp_avg_sq.copy_(expAvgSq);
        state.step = step;
    }

    private TorchAdamW.State StateOf(string name)
    {
        if (!_trainableIndex.TryGetValue(name, out var index))
            throw new KeyNotFoundException(
                _groups.Any(g => g.Name == name) ? $"'{name}' is frozen: the optimizer keeps no state for it." : $"No parameter group named '{name}'.");
        return (TorchAdamW.State)_adamW.state_dict().State[index];
    }

    public void Dispose() => _adamW.Dispose();
}
