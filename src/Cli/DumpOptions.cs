namespace ModelGen.Cli;

/// <summary>The options of <c>dump</c>, as parsed and not yet checked.</summary>
/// <param name="Weights">The teacher's weights file (its own, e.g. SAM's checkpoint, or a detector's); detected prefix and alias scheme.</param>
/// <param name="Pretrained">Load the teacher's declared pretrained weights.</param>
/// <param name="Seed">Seeds the teacher's initialisation when neither is given.</param>
/// <param name="Format">The files written: <c>modelgen</c> (safetensors recording the teacher identity) or <c>upstream</c> (upstream's bare <c>.pth</c> files).</param>
internal sealed record DumpOptions(string Composition, DirectoryInfo Images, DirectoryInfo Output, FileInfo? Weights = null, bool Pretrained = false, int Seed = 0, string DType = "float32", string Format = "modelgen");
