namespace ModelGen.Models.Necks;

/// <summary>
/// One backbone output a neck reads: its position in the backbone's output list (<c>^1</c> is the
/// last, as upstream's <c>inputs[-1]</c>) and what the neck requires of it. A null requirement
/// accepts any value.
/// </summary>
public sealed record NeckInput(Index Output, int? Channels, double? Reduction);
