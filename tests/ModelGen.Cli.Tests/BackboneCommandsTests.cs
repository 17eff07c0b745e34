namespace ModelGen.Cli.Tests;

public sealed class BackboneCommandsTests
{
    [Fact]
    public void List_names_every_built_in_variant_with_its_outputs()
    {
        var output = new StringWriter();

        Assert.Equal(0, BackboneCommands.List(output));

        var text = output.ToString();
        foreach (var name in new[] { "SamVitB", "SamVitH", "OpenClipRN50x16", "OpenClipViTL14", "VitaminSmallRwkv" })
            Assert.Contains(name, text);
        Assert.Contains("layer1:384/4, layer2:768/8, layer3:1536/16, layer4:3072/32", text);
    }

    [Fact]
    public void Describe_shows_config_outputs_and_parameter_count()
    {
        var output = new StringWriter();

        Assert.Equal(0, BackboneCommands.Describe(output, "SamVitB"));

        var text = output.ToString();
        Assert.Contains("GlobalAttnIndexes      [2, 5, 8, 11]", text);
        Assert.Contains("parameters: 89,670,912", text);
    }

    [Fact]
    public void An_unknown_name_fails_with_a_suggestion()
    {
        var output = new StringWriter();

        Assert.Equal(1, BackboneCommands.Describe(output, "SamVitb"));
        Assert.Contains("Did you mean 'SamVitB'?", output.ToString());
    }

    [Fact]
    public void Run_reports_every_output_shape_and_the_timing()
    {
        var output = new StringWriter();

        Assert.Equal(0, BackboneCommands.Run(output, new RunOptions("VitaminTinyRwkv", 64, null, null, 1, null)));

        var text = output.ToString();
        Assert.Contains("input: [1, 3, 64, 64] from a generated test pattern", text);
        Assert.Contains("conv_stage1 [1, 32, 16, 16]", text);
        Assert.Contains("final_norm [1, 192, 4, 4]", text);
        Assert.Contains("forward over 1 runs", text);
    }
}
