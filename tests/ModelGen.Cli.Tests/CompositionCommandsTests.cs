namespace ModelGen.Cli.Tests;

public sealed class CompositionCommandsTests
{
    // SAM ViT-H's image encoder has 637,026,048 parameters; RWKV-SAM's student is VitaminSmallRwkvSam (19,727,296) with
    // LastLayerProjNeck(384, 256): a 1x1 and a 3x3 convolution without bias and two LayerNorm2d of 256,
    // 384·256 + 2·256 + 256·256·9 + 2·256 = 689,152.
    private const long SamVitH = 637_026_048;
    private const long RwkvSamStudent = 19_727_296 + 689_152;

    [Fact]
    public void List_shows_the_compositions_with_their_parameters_and_trainable_parameters()
    {
        var (code, output, error) = Cli.Invoke("list");

        Assert.Equal((0, ""), (code, error));
        Assert.Matches($@"RwkvSamVitHVitaminSmallMlp2\s+{Count(SamVitH + RwkvSamStudent)}\s+{Count(RwkvSamStudent)}  SamVitH \+ LastLayerNeck -> VitaminSmallRwkvSam \+ LastLayerProjNeck", output);
        Assert.Matches(@"Sam2ClipVitHRN50x16\s+[\d,]+\s+[\d,]+  SamVitH \+ LastLayerNeck -> OpenClipRN50x16 \(fixed\) \+ MultiLayerTransformerNeck", output);
        Assert.Contains("TinyDistillation", output);
    }

    [Fact]
    public void Describe_of_a_composition_shows_its_parts_input_recipe_and_counts()
    {
        var (code, output, error) = Cli.Invoke("describe", "RwkvSamVitHVitaminSmallMlp2");

        Assert.Equal((0, ""), (code, error));
        Assert.StartsWith("RwkvSamVitHVitaminSmallMlp2 (distillation, upstream projects/rwkvsam/configs/backbone_dist/rwkvsam1001_000_vith_vitamin_rwkv_small_mlp2.py)", output);
        Assert.Matches(@"teacher\s+SamVitH\s+backbone_teacher\.\s+fixed, names through 'ovsam', pretrained 'sa1b'", output);
        Assert.Matches(@"student\s+VitaminSmallRwkvSam\s+backbone_student\.\s+trains, initial checkpoint under 'backbone\.'", output);
        Assert.Contains("input: 1024x1024, long side resized, RGB in 0–255, mean [123.675, 116.28, 103.53], std [58.395, 57.12, 57.375], padded with 0", output);
        Assert.Contains("cache files <stem>_vit_h_cache.*", output);
        Assert.Contains("recipe: AdamW lr 0.0001, weight decay 0.05 (x0 on norms), betas (0.9, 0.999), eps 1E-08, clip 5; warm-up 500 iterations from x0.001, cosine over 24 epochs to x0.01; batch 2, learning rate scaled against a batch of 16", output);
        Assert.Contains($"parameters: {Count(SamVitH + RwkvSamStudent)}, of which {Count(RwkvSamStudent)} train", output);
    }

    private static string Count(long count) => count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Describe_of_a_composition_refuses_backbone_weights_options()
    {
        var (code, output, error) = Cli.Invoke("describe", "Sam2ClipVitHRN50x16", "--pretrained", "sa1b");

        Assert.Equal((2, ""), (code, output));
        Assert.Equal("modelgen: error: Sam2ClipVitHRN50x16 is a distillation composition: --weights and --pretrained apply to backbones (a composition's parts declare theirs).", error.TrimEnd());
    }
}
