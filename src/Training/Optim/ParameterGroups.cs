using static TorchSharp.torch;

namespace ModelGen.Training.Optim;

/// <summary>mmengine's <c>DefaultOptimWrapperConstructor.add_params</c>: one group per parameter of a model.</summary>
public static class ParameterGroups
{
    /// <summary>
    /// Walks the model as mmengine does (a module's own parameters, then its children in order) and gives every
    /// parameter its weight decay: <paramref name="baseWeightDecay"/>, times <see cref="ParamwiseOptions.NormDecayMult"/>
    /// for a parameter of a normalisation layer. Frozen parameters (requires_grad false) are included with the base
    /// decay, unmodified, as upstream: they never get a gradient, so the optimizer never moves them.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Build(nn.Module model, double baseWeightDecay, ParamwiseOptions paramwise)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(paramwise);
        var groups = new List<ParameterGroup>();
        Add(groups, model, prefix: "", baseWeightDecay, paramwise);
        return groups;
    }

    private static void Add(List<ParameterGroup> groups, nn.Module module, string prefix, double baseWeightDecay, ParamwiseOptions paramwise)
    {
        var isNorm = NormLayers.IsNormLayer(module);
        foreach (var (name, parameter) in module.named_parameters(recurse: false))
        {
            var weightDecay = baseWeightDecay;
            if (parameter.requires_grad && isNorm && paramwise.NormDecayMult is { } normDecayMult)
                weightDecay = baseWeightDecay * normDecayMult;
            groups.Add(new ParameterGroup(Join(prefix, name), parameter, weightDecay));
        }
        foreach (var (name, child) in module.named_children())
            Add(groups, child, Join(prefix, name), baseWeightDecay, paramwise);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
