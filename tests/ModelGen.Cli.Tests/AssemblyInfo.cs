// The CLI sets process-wide LibTorch state (the default device while it inspects a model on the meta device, the
// intra-op thread count), so its tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
