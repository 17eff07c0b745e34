using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Testing;

namespace ModelGen.Generators.Tests;

public sealed class MisnamedSpecTests
{
    [Fact]
    public void A_json_file_with_a_known_family_but_without_the_spec_suffix_gets_an_info_at_its_family()
    {
        var (result, _) = GeneratorHarness.Run(
            ("sam_small.json", "{\n  \"name\": \"SamVitSmall\",\n  \"family\": \"sam-vit\",\n  \"globalAttnIndexes\": [2, 5, 8, 11]\n}"),
            ("settings.json", "{ \"family\": \"not-a-family\", \"depth\": 3 }"),
            ("list.json", "[1, 2]"));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MG0019", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Equal("sam_small.json(3,13): info MG0019: sam_small.json has a 'family' field like a ModelGen spec, but only files ending in .model.json are compiled; rename it to sam_small.model.json to generate its class.", GeneratorHarness.Format([diagnostic]));
        Assert.Empty(result.GeneratedTrees);
    }
}
