using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Models.Necks;

/// <summary>
/// The base of the distillation necks: a module from a backbone's outputs (in upstream order,
/// e.g. a <see cref="BackboneOutput"/>) to one NCHW feature map, which the caller owns. Each neck
/// describes what it reads (<see cref="Inputs"/>) and what it returns for given backbone outputs
/// (<see cref="Output"/>), so a pairing can be checked without running it.
/// </summary>
public abstract class NeckModule : ExplicitModule<IReadOnlyList<Tensor>, Tensor>
{
    protected NeckModule(string name) : base(name)
    {
    }

    /// <summary>The backbone outputs the forward reads, with the channels and strides it requires of them.</summary>
    public abstract IReadOnlyList<NeckInput> Inputs { get; }

    public Tensor Forward(IReadOnlyList<Tensor> features) => call(features);

    /// <summary>
    /// What the neck returns for a backbone whose outputs are <paramref name="backboneFeatures"/>;
    /// an <see cref="ArgumentException"/> naming every unmet requirement when they do not fit.
    /// </summary>
    public FeatureInfo Output(IReadOnlyList<FeatureInfo> backboneFeatures)
    {
        var problems = Mismatches(backboneFeatures);
        if (problems.Count > 0)
            throw new ArgumentException($"{GetName()} does not fit these backbone outputs: {string.Join("; ", problems)}.", nameof(backboneFeatures));
        return Describe(backboneFeatures);
    }

    /// <summary>Every requirement of <see cref="Inputs"/> the backbone outputs do not meet; empty when they fit.</summary>
    public IReadOnlyList<string> Mismatches(IReadOnlyList<FeatureInfo> backboneFeatures)
    {
        var problems = new List<string>();
        foreach (var input in Inputs)
        {
            var index = input.Output.GetOffset(backboneFeatures.Count);
            if (index < 0 || index >= backboneFeatures.Count)
            {
                problems.Add($"it reads output {input.Output} but the backbone has {backboneFeatures.Count}");
                continue;
            }

            var feature = backboneFeatures[index];
            if (input.Channels is { } channels && feature.Channels != channels)
                problems.Add($"output {index} ('{feature.Name}') has {feature.Channels} channels, expected {channels}");
            if (input.Reduction is { } reduction && feature.Reduction != reduction)
                problems.Add($"output {index} ('{feature.Name}') has stride {feature.Reduction}, expected {reduction}");
        }

        return problems;
    }

    /// <summary>Loads a <c>.safetensors</c> file with upstream's key names (what upstream's <c>init_cfg</c> of type <c>Pretrained</c> does, once the prefix is stripped).</summary>
    public void LoadWeights(string path, bool strict = true) => WeightLoader.Load(this, path, strict);

    /// <summary>Writes the state dict (parameters and buffers, upstream names) as a <c>.safetensors</c> file.</summary>
    public void SaveWeights(string path) => SafetensorsWriter.Write(path, state_dict());

    /// <summary>The output description for backbone outputs that meet <see cref="Inputs"/>.</summary>
    protected abstract FeatureInfo Describe(IReadOnlyList<FeatureInfo> backboneFeatures);

    /// <summary>Checks, at run time, that every tensor the neck reads exists, is NCHW and has the required channels.</summary>
    protected void RequireInputs(IReadOnlyList<Tensor> features)
    {
        foreach (var input in Inputs)
        {
            var index = input.Output.GetOffset(features.Count);
            if (index < 0 || index >= features.Count)
                throw new ArgumentException($"{GetName()} reads backbone output {input.Output}, but {features.Count} were given.", nameof(features));
            var feature = features[index];
            if (feature.dim() != 4 || (input.Channels is { } channels && feature.shape[1] != channels))
                throw new ArgumentException(
                    $"{GetName()} expects backbone output {index} as an NCHW map with {input.Channels?.ToString() ?? "any number of"} channels, got shape [{string.Join(", ", feature.shape)}].",
                    nameof(features));
        }
    }
}
