namespace ModelGen.Generators.Pipeline
{
    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        public const string ParsedSpecs = nameof(ParsedSpecs);
        public const string Options = nameof(Options);
        public const string ResolvedBackbones = nameof(ResolvedBackbones);
        public const string ResolvedSpecs = nameof(ResolvedSpecs);
        public const string BuiltInSummaries = nameof(BuiltInSummaries);
        public const string BackboneSummaries = nameof(BackboneSummaries);
        public const string TrainingReferenced = nameof(TrainingReferenced);
        public const string ResolvedDistillations = nameof(ResolvedDistillations);
        public const string MisnamedSpecs = nameof(MisnamedSpecs);
    }
}
