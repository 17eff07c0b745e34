using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using ModelGen.Generators.Families;
using ModelGen.Generators.Json;
using ModelGen.Generators.Pipeline;
using ModelGen.Generators.Tests.Testing;
using ModelGen.Models.Backbones;
using static TorchSharp.torch;

namespace ModelGen.Generators.Tests;

/// <summary>
/// The output grids the distillation checks compute from a backbone's geometry (<c>GridRule</c>) are the ones its
/// generated forward returns: one tiny variant of each family is generated, compiled, loaded and run at odd sizes.
/// </summary>
public sealed class GridRuleTests
{
    private static readonly (string Path, string Text)[] Specs =
    [
        ("sam.model.json", """{ "name": "GridSam", "family": "sam-vit", "imageSize": 64, "embedDim": 32, "depth": 2, "numHeads": 2, "windowSize": 4, "outChans": 16, "globalAttnIndexes": [0, 1] }"""),
        ("resnet.model.json", """{ "name": "GridResNet", "family": "openclip-resnet", "layers": [1, 1, 1, 1], "width": 8, "outputDim": 16, "imageSize": 64 }"""),
        ("vit.model.json", """{ "name": "GridViT", "family": "openclip-vit", "imageSize": 32, "patchSize": 8, "width": 32, "layers": 1, "heads": 2 }"""),
        ("vitamin.model.json", """{ "name": "GridVitamin", "family": "vitamin", "stemWidth": 8, "embedDims": [8, 16, 32], "depths": [1, 1, 1], "imageSize": [32, 32], "attnType": "rwkv", "attnCfg": { "depth": 2 }, "additionalFinalLayers": true }"""),
    ];

    private static readonly Lazy<Assembly> Generated = new(Compile);

    public static TheoryData<string, int, int> Cases() => new()
    {
        { "GridSam", 16, 16 }, { "GridSam", 47, 70 }, { "GridSam", 64, 33 },
        { "GridResNet", 31, 31 }, { "GridResNet", 33, 63 }, { "GridResNet", 95, 64 },
        { "GridViT", 16, 16 }, { "GridViT", 23, 41 }, { "GridViT", 40, 17 },
        { "GridVitamin", 1, 1 }, { "GridVitamin", 15, 33 }, { "GridVitamin", 63, 17 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_output_has_the_grid_its_rule_gives(string name, int height, int width)
    {
        var geometry = Geometries()[name];
        var type = Generated.Value.GetType($"Test.Models.{name}", throwOnError: true)!;
        var constructor = type.GetConstructors().Single();
        using var backbone = (BackboneModule)constructor.Invoke(constructor.GetParameters().Select(p => p.DefaultValue).ToArray());
        backbone.eval();
        using var images = zeros(1, 3, height, width);

        using var output = backbone.forward(images);

        Assert.True(geometry.MinimumInputSide <= Math.Min(height, width));
        Assert.Equal(geometry.Features.Count, output.Count);
        for (var i = 0; i < output.Count; i++)
        {
            var rule = geometry.Features[i].Grid;
            Assert.Equal((geometry.Features[i].Name, (long)rule.Side(height), (long)rule.Side(width)), (output.Features[i].Name, output[i].shape[2], output[i].shape[3]));
        }
    }

    [Theory]
    [InlineData("GridSam", 15)]
    [InlineData("GridResNet", 30)]
    [InlineData("GridViT", 15)]
    public void A_side_below_the_minimum_is_refused_by_the_forward(string name, int side)
    {
        Assert.Equal(side + 1, Geometries()[name].MinimumInputSide);
        var type = Generated.Value.GetType($"Test.Models.{name}", throwOnError: true)!;
        var constructor = type.GetConstructors().Single();
        using var backbone = (BackboneModule)constructor.Invoke(constructor.GetParameters().Select(p => p.DefaultValue).ToArray());
        using var images = zeros(1, 3, side, 64);

        Assert.ThrowsAny<ArgumentException>(() => backbone.forward(images).Dispose());
    }

    private static Dictionary<string, Model.BackboneGeometry> Geometries()
    {
        var documents = Specs
            .Select(s => GeneratorHarness.ProjectDirectory + s.Path)
            .Zip(Specs, (path, spec) => new SpecDocument(path, JsonParser.Parse(path, spec.Text).Root, null))
            .ToImmutableArray();
        var resolution = SpecResolver.Resolve(documents, new GeneratorOptions("Test.Models", GeneratorHarness.ProjectDirectory, ""));
        return resolution.Outcomes.ToDictionary(o => o.Unit!.Header.Name, o => ModelFamilies.Find(o.Unit!.Header.Family)!.Geometry(o.Unit!.Fields));
    }

    private static Assembly Compile()
    {
        var (result, output) = GeneratorHarness.Run(Specs);
        Assert.Empty(result.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(stream.ToArray()));
    }
}
