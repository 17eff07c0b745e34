namespace ModelGen.Training.Compositions;

/// <summary>
/// One part of a distillation composition as its spec declares it: the module's type, the key prefix the upstream
/// detector's state dict puts it under, and how it is frozen and initialised.
/// </summary>
/// <param name="Type">The part's class, e.g. <c>ModelGen.Models.Sam.SamVitH</c> or <c>ModelGen.Models.Necks.LastLayerNeck</c>.</param>
/// <param name="Prefix">The detector's key prefix, with its final dot: <c>backbone_teacher.</c>, <c>neck_teacher.</c>, <c>backbone_student.</c> or <c>neck_student.</c>.</param>
/// <param name="AliasScheme">The alias scheme the upstream detector's keys for this part are read and written through (e.g. <c>ovsam</c> for SAMBackbone's <c>layerN.M</c>); null when upstream uses the part's own names.</param>
/// <param name="Fix">Whether the part is frozen (upstream <c>fix=True</c>).</param>
/// <param name="FixLayers">The number of frozen stages of an OpenCLIP ResNet (upstream <c>fix_layers</c>); null where the part has none.</param>
/// <param name="Pretrained">The tag of the part's own pretrained source to initialise it from (e.g. <c>sa1b</c>, <c>openai</c>); null when it starts from its initialisation or from a checkpoint given at run time.</param>
/// <param name="CheckpointPrefix">The key prefix of the part's tensors in a checkpoint given at run time (upstream <c>init_cfg=dict(type='Pretrained', prefix=...)</c>), e.g. <c>backbone.</c>; null for none.</param>
public sealed record DistillationPart(
    Type Type,
    string Prefix,
    string? AliasScheme,
    bool Fix,
    int? FixLayers = null,
    string? Pretrained = null,
    string? CheckpointPrefix = null);
