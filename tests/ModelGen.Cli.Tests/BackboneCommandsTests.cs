namespace ModelGen.Cli.Tests;

public sealed class BackboneCommandsTests
{
    [Fact]
    public void List_names_every_built_in_variant_with_its_parameters_compute_and_outputs()
    {
        var (code, output, error) = Cli.Invoke("list");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        foreach (var name in new[] { "SamVitB", "SamVitH", "OpenClipRN50x16", "OpenClipViTL14", "VitaminSmallRwkv" })
            Assert.Contains(name, output);
        // SAM ViT-B at 1024x1024: 486 GMACs, as torch.utils.flop_counter counts it (bench/README.md).
        Assert.Matches(@"SamVitB\s+sam-vit\s+89,670,912\s+486\.0  layer1:768/16", output);
        Assert.Matches(@"OpenClipRN50\s+openclip-resnet\s+38,316,896\s+5\.37  ", output);
        Assert.Contains("GMACs: multiply-accumulates of one forward at the native size, which fvcore and timm print as GFLOPs", output);
        Assert.Contains("layer1:384/4, layer2:768/8, layer3:1536/16, layer4:3072/32", output);
    }

    [Fact]
    public void Describe_shows_config_outputs_preprocessing_and_parameter_count()
    {
        var (code, output, _) = Cli.Invoke("describe", "SamVitB");

        Assert.Equal(0, code);
        Assert.Contains("GlobalAttnIndexes      [2, 5, 8, 11]", output);
        Assert.Contains("input sizes: sides of at least 16 px that are multiples of 16 (native 1024x1024; other sides are floored to a multiple of 16 by the patch embedding; token grids other than 64x64 resample the position embedding); --size takes multiples of 16 from 16 to 2048", output);
        Assert.Contains("compute: 486.0 GMACs (GFLOPs as fvcore and timm count them) for one 1024x1024 image: convolutions 5.64, linear layers 363.07, attention matmuls 114.88, relative positions 2.45; elementwise operations, normalisations, softmax, activations, pooling and resizing not counted", output);
        Assert.Contains("preprocessing: RGB in 0–255, mean [123.675, 116.28, 103.53], std [58.395, 57.12, 57.375] (pretrained 'sa1b')", output);
        Assert.Contains("parameters: 89,670,912", output);
    }

    [Fact]
    public void Run_reports_every_output_shape_and_the_timing()
    {
        var (code, output, error) = Cli.Invoke("run", "VitaminTinyRwkv", "--size", "64", "--pattern", "--repeat", "2");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("input: [1, 3, 64, 64] from a generated test pattern, 64x64 padded to 64x64", output);
        Assert.Contains("conv_stage1 [1, 32, 16, 16]", output);
        Assert.Contains("final_norm [1, 192, 4, 4]", output);
        Assert.Contains("forward over 2 runs", output);
    }

    [Fact]
    public void Run_takes_any_side_a_family_s_forward_uses_whole_not_only_multiples_of_the_coarsest_stride()
    {
        // VITAMIN pads its stride-2 steps: 37 px is used whole (its final_norm at stride 16 has ceil(37 / 16) = 3 positions).
        var (code, output, error) = Cli.Invoke("run", "VitaminTinyRwkv", "--size", "37", "--pattern", "--repeat", "0");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("final_norm [1, 192, 3, 3]", output);
    }

    [Fact]
    public void Run_defaults_to_the_sample_photograph_resized_on_its_long_side()
    {
        var (code, output, _) = Cli.Invoke("run", "VitaminTinyRwkv", "--size", "64", "--repeat", "1");

        Assert.Equal(0, code);
        // Chelsea is 451x300: 300 * 64 / 451 = 42.57, rounded half up as segment-anything does.
        Assert.Contains("from the sample photograph (Chelsea the cat, scikit-image, CC0), 64x43 padded to 64x64", output);
    }

    [Fact]
    public void Repeat_zero_runs_the_warm_up_forward_only()
    {
        var (code, output, _) = Cli.Invoke("run", "VitaminTinyRwkv", "--size", "32", "--pattern", "--repeat", "0");

        Assert.Equal(0, code);
        Assert.Contains("first forward (warm-up)", output);
        Assert.Contains("no timed forwards (--repeat 0)", output);
        Assert.DoesNotContain("forward over", output);
    }
}
