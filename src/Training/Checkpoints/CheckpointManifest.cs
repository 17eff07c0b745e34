using System.Text.Json;
using ModelGen.Training.Schedules;

namespace ModelGen.Training.Checkpoints;

/// <summary>
/// The non-tensor part of a training checkpoint, stored as JSON in the safetensors metadata: the composition, the
/// counters and data position, the schedule and every trainable parameter's optimizer scalars.
/// </summary>
internal sealed record CheckpointManifest(
    string Format,
    int Version,
    CheckpointComposition Composition,
    int Iteration,
    int Epoch,
    int BatchInEpoch,
    IReadOnlyList<LrSchedulerState> Schedule,
    IReadOnlyList<OptimizerGroupState> Optimizer)
{
    public const string FormatName = "modelgen.training_checkpoint";

    public const int CurrentVersion = 1;

    /// <summary>The metadata key the manifest is stored under.</summary>
    public const string MetadataKey = FormatName;

    // System.Text.Json writes doubles in their shortest round-trip form, so rates come back bit for bit.
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="JsonException">The text is not a manifest.</exception>
    public static CheckpointManifest FromJson(string json) =>
        JsonSerializer.Deserialize<CheckpointManifest>(json, Json) ?? throw new JsonException("The manifest is null.");
}
