using ModelGen.Models.Weights;

namespace ModelGen.Training.Compositions;

/// <summary>How <see cref="DistillationComposition.Initialize"/> set one part: from where, and the load's report (null for a copied buffer).</summary>
public sealed record PartInitialization(CompositionParts Role, string Source, WeightLoadReport? Report);
