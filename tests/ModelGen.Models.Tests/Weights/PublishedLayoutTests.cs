using System.Text.Json;
using ModelGen.Models.Backbones;
using ModelGen.Models.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Models.Tests.Weights;

/// <summary>
/// The fixture cases' weights in the layouts they are published in (the sidecars' <c>extra_files</c>:
/// the official SAM .pth, OVSAM's wrapper names) load as they are and reproduce the stored outputs; and every
/// family's weights round-trip through SaveWeights, under its own names and under each alias scheme.
/// </summary>
public sealed class PublishedLayoutTests : IDisposable
{
    /// <summary>The variant each backbone fixture case is built as (the test project's specs).</summary>
    private static readonly Dictionary<string, string> Variants = new()
    {
        ["sam/sam_tiny_w14"] = "SamTinyW14",
        ["sam/sam_tiny_w3"] = "SamTinyW3",
        ["clip/clip_rn_tiny"] = "ClipRnTiny",
        ["clip/clip_vit_tiny"] = "ClipViTTiny",
        ["clip/clip_vit_tiny_quickgelu"] = "ClipViTTinyQuickGelu",
        ["vitamin/vitamin_tiny_rwkv"] = "VitaminTinyRwkvFixture",
        ["vitamin/vitamin_micro_mbconv_rwkv"] = "VitaminMicroMbconvRwkv",
        ["vitamin/vitamin_micro_rwkv_trans"] = "VitaminMicroRwkvTrans",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-layouts-").FullName;

    /// <summary>Every backbone case of the fixture folders (the Bi-WKV operator case has no backbone).</summary>
    public static TheoryData<string> Cases() => new(CaseNames());

    private static IEnumerable<string> CaseNames()
    {
        foreach (var family in new[] { "sam", "clip", "vitamin" })
            foreach (var sidecar in Directory.GetFiles(Path.Combine(RepositoryPaths.Fixtures, family), "*.json").Where(f => !f.EndsWith(".keys.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                using var json = JsonDocument.Parse(File.ReadAllText(sidecar));
                if (json.RootElement.GetProperty("outputs").EnumerateArray().Any(o => o.GetProperty("name").GetString()!.StartsWith("output.", StringComparison.Ordinal)))
                    yield return $"{family}/{Path.GetFileNameWithoutExtension(sidecar)}";
            }
    }

    /// <summary>(case, file) for every extra weight file a case's sidecar lists.</summary>
    public static TheoryData<string, string> ExtraFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var @case in CaseNames())
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Fixtures, @case + ".json")));
            if (json.RootElement.TryGetProperty("extra_files", out var extra) && extra.ValueKind == JsonValueKind.Object)
                foreach (var file in extra.EnumerateObject())
                    data.Add(@case, file.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ExtraFiles))]
    public void A_published_layout_loads_as_it_is_and_reproduces_the_outputs(string @case, string file)
    {
        using var fixture = FixtureCase.Load(@case);
        using var model = ModelZoo.Create(Variant(@case));

        var report = model.LoadWeights(FixtureCase.PathOf(Path.Combine(Path.GetDirectoryName(@case)!, file)));

        Assert.True(report.IsComplete, report.ToString());
        AssertReproduces(fixture, model);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weights_round_trip_under_their_own_names_and_every_alias_scheme(string @case)
    {
        using var fixture = FixtureCase.Load(@case);
        using var original = fixture.CreateBackbone(Variant(@case));
        foreach (var scheme in original.CheckpointLayout.AliasSchemes.Select(s => s.Name).Prepend(null))
        {
            var path = Path.Combine(_directory, $"{Path.GetFileName(@case)}.{scheme ?? "own"}.safetensors");
            original.SaveWeights(path, aliasScheme: scheme);

            using var reloaded = ModelZoo.Create(Variant(@case));
            var report = reloaded.LoadWeights(path);

            Assert.Equal(scheme, report.AliasScheme);
            Assert.Empty(report.Missing);
            Assert.Equal(original.Module.state_dict().Count, report.Loaded.Count + report.NotInLayout.Count);
            AssertReproduces(fixture, reloaded);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Variant(string @case) =>
        Variants.TryGetValue(@case, out var variant) ? variant : throw new KeyNotFoundException($"No variant is registered for the fixture case {@case}; add it to {nameof(Variants)}.");

    private static void AssertReproduces(FixtureCase fixture, IBackbone model)
    {
        using var input = fixture.Read("input");
        using var _ = no_grad();
        using var outputs = model.Forward(input);
        fixture.AssertOutputsMatch(outputs, input);
    }
}
